import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { generateDrizzleJson, generateMigration, type DrizzleSnapshotJSON } from "drizzle-kit/api";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { migrationsFolder } from "../src/migrate";
import * as schema from "../src/schema";
import { availableBackends, createScratchDatabase, createTestDatabase, type Backend } from "../src/testing";

/**
 * The Drizzle schema is the source of truth: the committed migrations must build exactly the
 * tables it declares. Two databases are compared by introspection: one migrated, one built by the
 * SQL drizzle-kit derives from the schema alone. What drizzle-kit cannot express (RLS policies,
 * roles, grants, triggers) lives in hand-written migrations and is left out of the comparison.
 */

const introspection = {
  columns: `
    select c.relname as "table", a.attname as "column", format_type(a.atttypid, a.atttypmod) as "type",
           a.attnotnull as "notNull", pg_get_expr(d.adbin, d.adrelid) as "default", a.attgenerated as "generated",
           nullif(co.collname, 'default') as "collation"
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid and c.relkind = 'r'
    join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    left join pg_collation co on co.oid = a.attcollation
    where a.attnum > 0 and not a.attisdropped
    order by 1, 2`,
  indexes: `
    select tablename as "table", indexname as "index", indexdef as "definition"
    from pg_indexes where schemaname = 'public' order by 1, 2`,
  constraints: `
    select c.relname as "table", k.conname as "constraint", k.contype as "kind", pg_get_constraintdef(k.oid) as "definition"
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
    order by 1, 2`,
} as const;

type Shape = Record<keyof typeof introspection, unknown[]>;
type Query = (text: string) => Promise<unknown[]>;

async function shapeOf(query: Query): Promise<Shape> {
  const entries = await Promise.all(Object.entries(introspection).map(async ([key, text]) => [key, await query(text)] as const));
  return Object.fromEntries(entries) as Shape;
}

function schemaJson(): DrizzleSnapshotJSON {
  return generateDrizzleJson(schema);
}

/** The statements that create the schema in an empty database, as drizzle-kit writes them. */
async function schemaStatements(): Promise<string[]> {
  return generateMigration(generateDrizzleJson({}), schemaJson());
}

function lastSnapshot(): DrizzleSnapshotJSON {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as { entries: { idx: number }[] };
  const last = journal.entries.at(-1)!;
  const file = `${migrationsFolder}/meta/${String(last.idx).padStart(4, "0")}_snapshot.json`;
  return JSON.parse(readFileSync(file, "utf8")) as DrizzleSnapshotJSON;
}

/** An empty database of the backend, built from the schema alone; returns its shape. */
async function shapeFromSchema(backend: Backend): Promise<Shape> {
  const statements = await schemaStatements();
  if (backend === "pglite") {
    const client = await PGlite.create();
    try {
      for (const statement of statements) await client.exec(statement);
      return await shapeOf(async (text) => (await client.query(text)).rows);
    } finally {
      await client.close();
    }
  }
  const scratch = await createScratchDatabase("ferry_schema");
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    for (const statement of statements) await sql.unsafe(statement);
    return await shapeOf((text) => sql.unsafe(text));
  } finally {
    await sql.end({ timeout: 5 });
    await scratch.drop();
  }
}

async function shapeFromMigrations(backend: Backend): Promise<Shape> {
  const db = await createTestDatabase(backend);
  try {
    if (db.pglite) return await shapeOf(async (text) => (await db.pglite!.query(text)).rows);
    const sql = postgres(db.platformUrl!, { max: 1, onnotice: () => {} });
    try {
      return await shapeOf((text) => sql.unsafe(text));
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    await db.drop();
  }
}

const backends = await availableBackends();

describe("the Drizzle schema and the migrations", () => {
  it("leave drizzle-kit nothing to generate: the last snapshot is the schema", async () => {
    expect(await generateMigration(lastSnapshot(), schemaJson())).toEqual([]);
  });

  for (const backend of backends) {
    it(`build the same tables, columns, indexes and constraints (${backend})`, async () => {
      const [migrated, declared] = [await shapeFromMigrations(backend), await shapeFromSchema(backend)];
      expect(migrated.columns).toEqual(declared.columns);
      expect(migrated.indexes).toEqual(declared.indexes);
      expect(migrated.constraints).toEqual(declared.constraints);
    });
  }
});
