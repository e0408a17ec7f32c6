import type { AnchorHTMLAttributes, ImgHTMLAttributes } from 'react';
import Markdown, { defaultUrlTransform, type Components } from 'react-markdown';

// A model's reply as Markdown, with every path to HTML made inert: raw HTML in the reply is shown
// as the text it is (never parsed), links with a dangerous scheme (javascript:, vbscript:, data:…)
// lose their target, links open in a new tab without access to this one, and images are shown as
// links rather than loaded (a reply must not make the browser fetch from anywhere on its own).

function SafeLink({ href, children }: AnchorHTMLAttributes<HTMLAnchorElement>) {
  if (href === undefined || href === '') return <span className="unsafe-link">{children}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

function ImageAsLink({ src, alt }: ImgHTMLAttributes<HTMLImageElement>) {
  const label = `Image: ${alt === undefined || alt === '' ? 'untitled' : alt}`;
  if (typeof src !== 'string' || src === '') return <span>[{label}]</span>;
  return <SafeLink href={src}>[{label}]</SafeLink>;
}

const components: Components = { a: SafeLink, img: ImageAsLink };

export function MarkdownReply({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown components={components} skipHtml={false} urlTransform={defaultUrlTransform}>
        {text}
      </Markdown>
    </div>
  );
}
