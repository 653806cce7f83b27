"use client";

import { FlaskConical } from "lucide-react";
import { Button } from "@/components/ui/button";
import type { ConnectionView } from "./types";

type Demo = NonNullable<ConnectionView["demo"]>;

/** Embedded mode only: the built-in emulator's users, so a newcomer can walk the flow at once. */
export function DemoDetails({ demo, onUse }: { demo: Demo; onUse?: ((user: Demo["users"][number]) => void) | undefined }) {
  return (
    <section aria-labelledby="demo-title" className="rounded-lg border border-dashed border-primary/30 bg-primary/5 p-4 text-sm">
      <div className="flex items-center gap-2">
        <FlaskConical className="size-4 text-primary" aria-hidden />
        <h3 id="demo-title" className="font-medium">
          Demo: the built-in Salesforce emulator
        </h3>
      </div>
      <p className="mt-1 text-[13px] text-muted-foreground">
        This Ferry runs a fake Salesforce org at <code className="font-mono">{demo.loginUrl}</code> (about 200,000 records). Use these sync users
        {demo.oauth ? ", or switch to OAuth and log in with the username and password on the emulator's page" : ""}.
      </p>
      <ul className="mt-3 grid gap-2">
        {demo.users.map((user) => (
          <li key={user.username} className="flex flex-wrap items-center gap-x-4 gap-y-1 rounded-md bg-card px-3 py-2 ring-1 ring-border">
            <span className="font-mono text-xs" data-testid="demo-username">
              {user.username}
            </span>
            <span className="text-xs text-muted-foreground">
              password <code className="font-mono text-foreground">{user.password}</code>
            </span>
            <span className="text-xs text-muted-foreground">
              security token <code className="font-mono text-foreground">{user.securityToken}</code>
            </span>
            {onUse ? (
              <Button type="button" size="sm" variant="outline" className="ml-auto" onClick={() => onUse(user)}>
                Fill in
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
