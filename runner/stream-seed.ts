/** One request-stream seed per repeat, the same for every configuration: A and B see the same traffic. */
export function streamSeed(seed: number, repeat: number): number {
  return (seed * 1_000_003 + repeat * 7919) % 2_147_483_647;
}
