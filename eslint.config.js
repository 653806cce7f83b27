import { ferryLint } from "@ferry/config/eslint";

export default ferryLint;
