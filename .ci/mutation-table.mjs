// Prints the per-folder mutation score table and the surviving mutants from StrykerJS's JSON report,
// as Markdown for docs/testing.md. Usage: node .ci/mutation-table.mjs [.tmp/mutation/mutation.json ...]
// (several reports, e.g. one per folder, are merged).
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2);
if (reports.length === 0) reports.push('.tmp/mutation/mutation.json');

const folders = new Map();
const survivors = [];
for (const report of reports) {
  const { files } = JSON.parse(readFileSync(report, 'utf8'));
  for (const [path, file] of Object.entries(files)) {
    const folder = path.split('/').slice(0, 2).join('/');
    const row = folders.get(folder) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 };
    for (const mutant of file.mutants) {
      if (mutant.status === 'Killed') row.killed++;
      else if (mutant.status === 'Timeout') row.timeout++;
      else if (mutant.status === 'Survived') row.survived++;
      else if (mutant.status === 'NoCoverage') row.noCoverage++;
      else if (mutant.status === 'Ignored') row.ignored++;
      else row.other++;
      if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        const line = mutant.location.start.line;
        const original = file.source.split('\n')[line - 1]?.trim() ?? '';
        survivors.push(`| ${path}:${line} | ${mutant.status} | ${mutant.mutatorName} | \`${original.slice(0, 70)}\` → \`${(mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 50)}\` |`);
      }
    }
    folders.set(folder, row);
  }
}

const pct = (n, d) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);
console.log('| Folder | Killed | Timed out | Survived | No coverage | Ignored (static) | Score |');
console.log('|---|---|---|---|---|---|---|');
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0 };
for (const [folder, r] of [...folders].sort()) {
  for (const k of Object.keys(total)) total[k] += r[k];
  const detected = r.killed + r.timeout;
  console.log(`| ${folder} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.ignored} | ${pct(detected, detected + r.survived + r.noCoverage)} |`);
}
const detected = total.killed + total.timeout;
console.log(`| **all** | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | ${total.ignored} | **${pct(detected, detected + total.survived + total.noCoverage)}** |`);
console.log(`\n| Where | Status | Mutator | Change |\n|---|---|---|---|\n${survivors.join('\n')}`);
