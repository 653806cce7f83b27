// Compound fields are not readable through Bulk 2.0; their components are separate fields.
export const UNSYNCABLE_TYPES: ReadonlySet<string> = new Set(["address", "location", "base64"]);
