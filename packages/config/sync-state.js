// One owner for sync state (docs/architecture.md): runs, run objects, the tenant's sync state, sync
// errors, the push queue and the connection's status change only inside
// packages/services/src/sync-state. A write of those tables written anywhere else in the source is a
// lint error, so a second owner cannot grow back. Tests, benchmarks and scripts seed and break
// state on purpose and are exempt.

const OWNED_TABLES = "syncRuns|syncRunObjects|syncStates|syncErrors|pushQueue";
/** The connection's status columns; its settings (credentials, cap, near-real-time) belong to their services. */
const STATUS_COLUMNS = "state|consecutiveLoginFailures|lastError|lastLoginAt";
const OWNER = "packages/services/src/sync-state/**";

const message = (what) => `${what} changes only through packages/services/src/sync-state (the one owner of sync state).`;

export const syncStateOwner = [
  {
    files: ["packages/**/*.{ts,tsx}", "apps/**/*.{ts,tsx}"],
    ignores: [OWNER, "**/*.test.ts", "**/*.test.tsx", "**/test/**", "**/testing/**", "**/bench/**", "**/scripts/**", "packages/salesforce-emulator/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: `CallExpression[callee.property.name=/^(insert|update|delete)$/][arguments.0.name=/^(${OWNED_TABLES})$/]`,
          message: message("A sync run, sync state, sync error or queued push"),
        },
        {
          selector: `CallExpression[callee.property.name=/^(set|values)$/][callee.object.callee.property.name=/^(update|insert)$/][callee.object.arguments.0.name='salesforceConnections'] > ObjectExpression > Property[key.name=/^(${STATUS_COLUMNS})$/]`,
          message: message("The connection's status"),
        },
      ],
    },
  },
];
