import type { Metadata } from "next";
import { SignUpPage } from "./sign-up-page";

export const metadata: Metadata = { title: "Create your account" };

export default function Page() {
  return <SignUpPage />;
}
