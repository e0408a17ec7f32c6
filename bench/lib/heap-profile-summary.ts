import { existsSync, readFileSync } from 'node:fs';

// Where a V8 sampling heap profile (a .heapprofile, as bench/probes/allocation-report.mjs writes)
// says the bytes were allocated: by the function that allocated them, by package, and by the
// innermost of cai's own functions on the stack (what in cai asked for them: a Node or library
// function that allocates is often called from many places).

interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

const isCai = (url: string) => url.includes('/.cache/cai-');

function packageOf(url: string): string {
  if (url === '') return '(native or V8)';
  if (isCai(url)) return 'cai';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

const frameName = (node: HeapProfileNode) =>
  `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*(node_modules|\.cache)\//, '')}:${node.callFrame.lineNumber + 1}`;

export function summarizeHeapProfile(file: string, top = 30): string {
  if (!existsSync(file)) return '(no heap profile written)';
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapProfileNode }).head;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byCaiFrame = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, bytes: number) =>
    map.set(key, (map.get(key) ?? 0) + bytes);
  const visit = (node: HeapProfileNode, caiFrame: string) => {
    const innermostCai = isCai(node.callFrame.url) ? frameName(node) : caiFrame;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(byFunction, frameName(node), node.selfSize);
      add(byPackage, packageOf(node.callFrame.url), node.selfSize);
      add(byCaiFrame, innermostCai, node.selfSize);
    }
    for (const child of node.children) visit(child, innermostCai);
  };
  visit(root, '(no cai frame)');
  const table = (title: string, map: Map<string, number>, rows: number) =>
    [
      `  ${title}`,
      ...[...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, rows)
        .map(
          ([name, bytes]) =>
            `    ${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${(bytes / 1048576).toFixed(1).padStart(7)} MiB  ${name}`,
        ),
    ].join('\n');
  return [
    `  ${(total / 1048576).toFixed(1)} MiB sampled`,
    table('by package', byPackage, 12),
    table('by allocating function', byFunction, top),
    table("by cai's innermost function on the stack", byCaiFrame, top),
  ].join('\n');
}
