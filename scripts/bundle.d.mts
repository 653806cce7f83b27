/** Bundles `entry` (with the workspace packages it imports) into `outFile`, as the production build does. */
export function bundle(entry: string, outFile: string): Promise<void>;
