import { Org } from './src/data/org';
import { compileQuery } from './src/soql/compile';
import { runQuery } from './src/soql/execute';
import { csvWriter } from './src/server/serialize';
const org = new Org({ counts: { Lead: 250_000, Contact: 100_000, Account: 50_000, User: 50 } });
const plan = compileQuery('SELECT Id, FirstName, LastName, Email, Company, Status, LeadSource, OwnerId, CreatedDate, SystemModstamp FROM Lead', { org, user: undefined });
const { rows } = runQuery(org, plan, { allRows: false });
const w = csvWriter(plan.columns, ',', '\n');
for (let rep = 0; rep < 3; rep++) {
const c0 = process.cpuUsage(); const t = performance.now();
const parts: string[] = [];
for (let k = 0; k < 50000; k++) parts.push(w.row(rows[k]!));
parts.join('');
const c = process.cpuUsage(c0);
console.log('50k rows wall', (performance.now() - t).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0));
}
