// Checks of the installed tarball's contents, used by run-pack-test.mjs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The packages bundled into dist/ (as the build recorded them in dist/THIRD-PARTY-LICENSES.md,
 * with their license texts) must be exactly the versions package-lock.json pins, pinned exactly
 * in devDependencies, and not in `dependencies` (npm would install them for nothing).
 * @param pkgDir - the installed package
 * @returns a summary
 */
export function checkBundledVersions(pkgDir) {
  const notices = readFileSync(join(pkgDir, 'dist', 'THIRD-PARTY-LICENSES.md'), 'utf8');
  const bundled = [...notices.matchAll(/^## ((?:@[^/\s]+\/)?[^@\s]+)@(\S+) \(/gm)].map((m) => [m[1], m[2]]);
  if (bundled.length === 0) throw new Error('dist/THIRD-PARTY-LICENSES.md lists no package');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const problems = [];
  for (const [name, version] of bundled) {
    const locked = lock.packages?.[`node_modules/${name}`]?.version;
    if (locked !== version)
      problems.push(`${name}: bundled ${version}, package-lock.json has ${locked ?? 'none'}`);
    if (manifest.dependencies?.[name] !== undefined)
      problems.push(`${name} is bundled but listed in dependencies`);
    const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.[name];
    if (pinned !== version)
      problems.push(`${name}: devDependencies pins ${pinned ?? 'nothing'}, bundled ${version}`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return bundled.map(([name, version]) => `${name}@${version}`).join(', ');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file) {
  const seen = new Map();
  const out = new Set();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    if (!heading) continue;
    const base = slug(heading.trim());
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function markdownFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/**
 * Every relative link of every Markdown file in the package resolves to a file or directory inside
 * the package, and every `#anchor` to a heading of the target.
 * @param pkgDir - the installed package
 * @returns a summary
 */
export function checkLinks(pkgDir) {
  const broken = [];
  let count = 0;
  for (const file of markdownFiles(pkgDir)) {
    let text = readFileSync(file, 'utf8');
    text = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      count++;
      const [path, anchor] = target.split('#');
      const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      const where = `${relative(pkgDir, file)}: ${target}`;
      if (!(resolved + sep).startsWith(pkgDir + sep) && resolved !== pkgDir)
        broken.push(`${where} (outside the package)`);
      else if (!existsSync(resolved)) broken.push(`${where} (not in the tarball)`);
      else if (
        anchor &&
        statSync(resolved).isFile() &&
        resolved.endsWith('.md') &&
        !anchors(resolved).has(anchor)
      )
        broken.push(`${where} (no such heading)`);
    }
  }
  if (broken.length > 0) throw new Error(`${broken.length} broken links:\n${broken.join('\n')}`);
  if (count === 0) throw new Error('no relative link found: the check is not reading the docs');
  return `${count} relative links`;
}
