// One clock for every process of the benchmark: process.hrtime reads CLOCK_MONOTONIC, which is
// system-wide on Linux, so a timestamp taken in the upstream process compares with one taken here.

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
