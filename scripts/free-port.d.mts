/** A random port of the 12,000 below the kernel's ephemeral range that nothing listens on right now. */
export function freePort(): Promise<number>;
