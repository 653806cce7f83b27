import type { Metadata } from "next";
import { SupportConsole } from "./support-console";

export const metadata: Metadata = { title: "Support console" };

export default function SupportPage() {
  return <SupportConsole />;
}
