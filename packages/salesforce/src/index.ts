// The Salesforce client Ferry's engine and its connect flow share: the budgeted REST/Bulk API
// (api/), its typed errors, and the jsforce login, describe and gateway of the connect flow.
export * from "./errors";
export * from "./objects";
export { ApiBudget, type ApiBudgetOptions } from "./api/budget";
export { SalesforceApi, DEFAULT_RETRY, type RetryPolicy } from "./api/client";
export * from "./api/bulk";
export * from "./api/composite";
export * from "./api/query";
export * from "./connect";
