import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MarkdownReply } from './markdown-reply.tsx';

// The reply renderer with hostile input: whatever a model (or whoever steers it) writes, the page
// gets text, never markup or a script URL.

function render(text: string): string {
  return renderToStaticMarkup(<MarkdownReply text={text} />);
}

describe('MarkdownReply', () => {
  it('renders Markdown: emphasis, lists, code', () => {
    const html = render('Some **bold** text.\n\n- one\n- two\n\n`code`');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<code>code</code>');
  });

  it('shows raw HTML as the text it is, never as elements', () => {
    const html = render(
      'Look: <img src=x onerror="alert(1)"> and <script>alert(2)</script> <iframe src="https://evil.example"></iframe>',
    );
    expect(html).not.toMatch(/<img|<script|<iframe/i);
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('takes the target away from javascript:, vbscript: and data: links, and shows them struck out', () => {
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
    ]) {
      const html = render(`[click me](${url})`);
      expect(html).not.toMatch(/href=/);
      expect(html).toContain('<span class="unsafe-link">click me</span>');
    }
  });

  it('opens ordinary links in a new tab with no access to this one', () => {
    const html = render('[docs](https://example.com/docs)');
    expect(html).toContain(
      '<a href="https://example.com/docs" target="_blank" rel="noopener noreferrer nofollow">docs</a>',
    );
  });

  it('shows images as links instead of loading them', () => {
    const html = render('![a cat](https://example.com/cat.png) ![x](javascript:alert(1))');
    expect(html).not.toMatch(/<img/);
    expect(html).toContain(
      '<a href="https://example.com/cat.png" target="_blank" rel="noopener noreferrer nofollow">[Image: a cat]</a>',
    );
    expect(html).toContain('<span>[Image: x]</span>');
  });
});
