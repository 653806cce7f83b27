/** An error a Salesforce endpoint answers with; serialised once as `[{message, errorCode, fields?}]`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }

  body(): { message: string; errorCode: string; fields?: string[] }[] {
    return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) }];
  }
}

export const sessionInvalid = () => new ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid");
export const notFound = () => new ApiError(404, "NOT_FOUND", "The requested resource does not exist");
export const limitExceeded = () => new ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
