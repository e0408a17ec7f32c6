import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Where a V8 CPU profile (`node --cpu-prof`) spends its time: self time by package and by
// function, so that a missed goal can be traced to the code that costs it.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package>, a Node internal, cai's own code, or V8's pseudo-frames ((idle), (garbage collector)). */
function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // The benchmark's and the probes' builds (node_modules/.cache/cai-bench/, …/cai-probe/).
  if (url.includes('/.cache/cai-')) return 'cai';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  return 'cai';
}

export function summarizeProfiles(directory: string, top = 15): string {
  if (!existsSync(directory)) return '(no profile written)';
  const files = readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) return '(no profile written)';
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const node = nodes.get(id);
      const micros = profile.timeDeltas[index] ?? 0;
      if (!node) return;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') return;
      total += micros;
      const owner = packageOf(url, functionName);
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + micros);
      const name = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    });
  }
  const lines = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1e6).toFixed(2).padStart(7)} s  ${name}`,
      );
  return [
    `busy (not idle) CPU time: ${(total / 1e6).toFixed(2)} s`,
    'self time by package:',
    ...lines(byPackage),
    'self time by function:',
    ...lines(byFunction),
  ].join('\n');
}

// `tsx bench/lib/profile-summary.ts DIR`: summarize a folder of profiles written earlier.
if (import.meta.url === `file://${process.argv[1]}`) console.log(summarizeProfiles(process.argv[2] ?? '.'));
