export * from "./schema";
export * from "./client";
export * from "./tenant";
export { migrate, migrationStatus, expectedMigrations, extractRows, extractRows as rowsOf, migrationsFolder } from "./migrate";
export { pgErrorCode, pgErrorMessage, errorChainText } from "./errors";
export { assertDatabaseLogins, loginPrivileges, DatabaseLoginError, type LoginPrivileges } from "./logins";
