import type { Metadata } from "next";
import { RecordDetail } from "@/components/records/record-detail";

export const metadata: Metadata = { title: "Record" };

export default async function RecordPage({ params }: { params: Promise<{ object: string; sfId: string }> }) {
  const { object, sfId } = await params;
  return <RecordDetail object={decodeURIComponent(object)} sfId={decodeURIComponent(sfId)} />;
}
