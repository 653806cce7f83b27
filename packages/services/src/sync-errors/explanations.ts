export interface ErrorExplanation {
  title: string;
  meaning: string;
  action: string;
}

// Salesforce's own codes (and the engine's job-level ones); the wording is for admins, not developers.
const EXPLANATIONS: Record<string, ErrorExplanation> = {
  REQUIRED_FIELD_MISSING: {
    title: "A required field is empty",
    meaning: "Salesforce refused the record because a field it requires has no value.",
    action: "Fill in the field named in the message (in Ferry or Salesforce), or make it optional in Salesforce, then retry.",
  },
  FIELD_CUSTOM_VALIDATION_EXCEPTION: {
    title: "A Salesforce validation rule rejected the record",
    meaning: "One of your org's validation rules does not accept the values Ferry sent.",
    action: "Read the rule's message, correct the value, or ask your Salesforce admin to adjust the rule; then retry.",
  },
  INVALID_EMAIL_ADDRESS: {
    title: "The email address is not valid",
    meaning: "Salesforce accepts only well-formed email addresses in email fields.",
    action: "Correct the email address on the record, then retry.",
  },
  DUPLICATE_VALUE: {
    title: "A unique field already has this value",
    meaning: "Another record in Salesforce already uses this value in a field marked unique.",
    action: "Change the value, or find and clean up the other record in Salesforce; then retry.",
  },
  DUPLICATES_DETECTED: {
    title: "A Salesforce duplicate rule blocked the record",
    meaning: "Your org's duplicate rules consider this record a duplicate of an existing one.",
    action: "Review the duplicate report, merge or differentiate the records in Salesforce, then retry.",
  },
  UNABLE_TO_LOCK_ROW: {
    title: "The record was locked by someone else",
    meaning: "Another process in Salesforce was updating the same or a related record at that moment.",
    action: "Usually clears on its own; Ferry retries these. Retry if it stays.",
  },
  ENTITY_IS_DELETED: {
    title: "The record was deleted in Salesforce",
    meaning: "The change was meant for a record that no longer exists (or is in the recycle bin).",
    action: "Restore it in Salesforce if it should exist; otherwise ignore this error.",
  },
  INVALID_CROSS_REFERENCE_KEY: {
    title: "A lookup points at a record that does not exist",
    meaning: "A related-record field (such as the account or owner) references an id Salesforce cannot find or you cannot see.",
    action: "Point the field at an existing record, then retry.",
  },
  INSUFFICIENT_ACCESS_OR_READONLY: {
    title: "The sync user may not change this record",
    meaning: "The Salesforce user Ferry connects as lacks permission to edit this record or field.",
    action: "Grant the sync user edit access (sharing, profile or permission set), then retry.",
  },
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: {
    title: "The sync user cannot see a related record",
    meaning: "A lookup on this record references something the sync user is not allowed to access.",
    action: "Share the related record with the sync user, or change the lookup; then retry.",
  },
  INVALID_FIELD_FOR_INSERT_UPDATE: {
    title: "The field cannot be written",
    meaning: "The field is read-only in Salesforce (formula, system or locked by field-level security).",
    action: "Make the mapping pull-only, or grant the sync user edit access to the field.",
  },
  STRING_TOO_LONG: {
    title: "A value is too long for its field",
    meaning: "Salesforce limits the length of this text field and the value exceeds it.",
    action: "Shorten the value, then retry.",
  },
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: {
    title: "The value is not in the picklist",
    meaning: "The field is a restricted picklist and the value is not one of its allowed entries.",
    action: "Use one of the picklist's values, or add the value to the picklist in Salesforce; then retry.",
  },
  NUMBER_OUTSIDE_VALID_RANGE: {
    title: "A number is out of range",
    meaning: "The number has more digits than the Salesforce field allows.",
    action: "Correct the number, then retry.",
  },
  MALFORMED_ID: {
    title: "An id is not a Salesforce id",
    meaning: "A lookup field holds a value that is not a 15- or 18-character Salesforce id.",
    action: "Correct the lookup value, then retry.",
  },
  INVALID_TYPE: {
    title: "The object is not available",
    meaning: "The Salesforce object is not available to the sync user (not enabled, or no access).",
    action: "Give the sync user read access to the object, then retry.",
  },
  CONFLICT: {
    title: "Changed in both places",
    meaning: "The record was changed in Salesforce after your edit in Ferry; Ferry did not overwrite the newer value.",
    action: "Open the record, check Salesforce's current value, edit again if yours should win.",
  },
  REQUEST_LIMIT_EXCEEDED: {
    title: "Salesforce's API limit was reached",
    meaning: "The org has used its daily API calls; Salesforce refuses more until the rolling window frees some.",
    action: "Nothing to do: the sync resumes by itself. Lower Ferry's cap or raise the org's limit if it recurs.",
  },
  API_CAP_REACHED: {
    title: "Ferry's API cap was reached",
    meaning: "Ferry stopped calling Salesforce to stay within the daily cap set for this tenant.",
    action: "Nothing to do: the sync resumes when calls free up. Raise the cap under Admin > Salesforce if it is too low.",
  },
  INVALID_SESSION_ID: {
    title: "The Salesforce session expired",
    meaning: "Salesforce ended the session Ferry was using, and it could not be renewed.",
    action: "Re-enter the credentials under Admin > Salesforce.",
  },
  INVALID_LOGIN: {
    title: "Salesforce refused the credentials",
    meaning: "The username, password or security token no longer work (changed, expired or the user was frozen).",
    action: "Update the credentials under Admin > Salesforce; sync stays stopped until then.",
  },
  REFRESH_FAILED: {
    title: "Salesforce refused to renew the session",
    meaning:
      "The session expired and logging in again with the stored credentials failed (password changed or expired, token reset, user frozen, or the authorization revoked).",
    action: "Update the credentials under Admin > Salesforce; sync stays stopped until then. Then retry.",
  },
  PASSWORD_EXPIRED: {
    title: "The sync user's password expired",
    meaning: "Salesforce requires the sync user to set a new password before it accepts logins again.",
    action: "Log in to Salesforce as the sync user, set a new password, enter it (and the new security token) under Admin > Salesforce.",
  },
  LOGIN_RETRIES_STOPPED: {
    title: "Ferry stopped logging in",
    meaning: "Salesforce refused the stored credentials three times in a row; Ferry stopped so the sync user is not locked out.",
    action: "Enter working credentials under Admin > Salesforce; sync resumes after that.",
  },
  CONFLICT_SALESFORCE_NEWER: {
    title: "Changed in both places",
    meaning: "The record was changed in Salesforce after your edit in Ferry; Ferry kept Salesforce's newer value and did not send yours.",
    action: "Open the record, check Salesforce's current value, and edit again if yours should win.",
  },
  MALFORMED_RESPONSE: {
    title: "Salesforce sent a value Ferry cannot read",
    meaning: "A date or number field held text that is not a valid value of its type, so Ferry did not store it.",
    action: "Correct the value in Salesforce (the message names the field), then retry.",
  },
  INVALID_GRANT: {
    title: "The Salesforce authorization was revoked",
    meaning: "The OAuth refresh token Ferry holds is no longer valid.",
    action: "Authorize Ferry again under Admin > Salesforce.",
  },
  INVALID_FIELD: {
    title: "A field no longer exists in Salesforce",
    meaning: "A field Ferry reads or writes was deleted or renamed in Salesforce.",
    action: "Run Sync Fields under Admin > Salesforce and review the mappings.",
  },
  SERVER_UNAVAILABLE: {
    title: "Salesforce was unavailable",
    meaning: "Salesforce did not answer or answered with a server error.",
    action: "Usually temporary; Ferry retries. Retry if it stays.",
  },
};

const FALLBACK: ErrorExplanation = {
  title: "Salesforce refused the change",
  meaning: "Salesforce returned this error code; the message has its details.",
  action: "Read the message, correct the record or the setting it names, then retry. Contact support if it is unclear.",
};

export function explainError(code: string): ErrorExplanation & { known: boolean } {
  const known = EXPLANATIONS[code];
  return known ? { ...known, known: true } : { ...FALLBACK, known: false };
}
