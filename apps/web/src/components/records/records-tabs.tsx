"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { DuplicateReport } from "./duplicate-report";
import { RecordList } from "./record-browser";

const tabs = ["people", "companies", "opportunities", "duplicates"] as const;

export function RecordsTabs() {
  const params = useSearchParams();
  const router = useRouter();
  const requested = params.get("tab");
  const tab = tabs.find((t) => t === requested) ?? "people";
  return (
    <Tabs value={tab} onValueChange={(v) => router.replace(`/records?tab=${v}`, { scroll: false })}>
      <TabsList aria-label="Record types">
        <TabsTrigger value="people">People</TabsTrigger>
        <TabsTrigger value="companies">Companies</TabsTrigger>
        <TabsTrigger value="opportunities">Opportunities</TabsTrigger>
        <TabsTrigger value="duplicates">Duplicates</TabsTrigger>
      </TabsList>
      <TabsContent value="people" className="mt-5">
        <RecordList kind="people" />
      </TabsContent>
      <TabsContent value="companies" className="mt-5">
        <RecordList kind="companies" />
      </TabsContent>
      <TabsContent value="opportunities" className="mt-5">
        <RecordList kind="opportunities" />
      </TabsContent>
      <TabsContent value="duplicates" className="mt-5">
        <DuplicateReport />
      </TabsContent>
    </Tabs>
  );
}
