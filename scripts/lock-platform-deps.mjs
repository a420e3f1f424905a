#!/usr/bin/env node
/**
 * Adds to package-lock.json the records of platform-specific optional dependencies (other OSes and
 * CPUs) that npm leaves out when it writes the lock on one platform (npm/cli#4828, #8320). Without
 * them `npm ci` refuses with "Missing: <pkg>@ from lock file". Run after any `npm install`:
 *
 *   node scripts/lock-platform-deps.mjs
 *
 * Each record takes the version the parent asks for, with its integrity, os, cpu and libc from the
 * registry (`npm view`). Records already present are left untouched.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    let info;
    try {
      const view = JSON.parse(
        execFileSync('npm', ['view', `${name}@${range}`, 'version', 'dist.integrity', 'os', 'cpu', 'libc', 'license', '--json'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
      info = Array.isArray(view) ? view[view.length - 1] : view;
    } catch {
      // Not served by this registry (a mirror may carry only some platforms): record the version the
      // parent pins, with the os and cpu its name states, so npm skips it on other platforms.
      const record = { version: range.replace(/^[\^~=]/, '') };
      if (entry.dev) record.dev = true;
      record.optional = true;
      const os = ['android', 'darwin', 'linux', 'win32', 'freebsd'].find((o) => name.includes(`-${o}-`));
      const cpu = ['arm64', 'x64', 'amd64', 'arm', 'ia32'].find((c) => new RegExp(`-${c}(-|$)`).test(name));
      if (cpu) record.cpu = [cpu === 'amd64' ? 'x64' : cpu];
      if (os) record.os = [os];
      packages[`node_modules/${name}`] = record;
      added++;
      process.stdout.write(`added ${name}@${record.version} (not on this registry)\n`);
      continue;
    }
    const record = { version: info.version, integrity: info['dist.integrity'] };
    if (info.license) record.license = info.license;
    if (info.cpu) record.cpu = info.cpu;
    if (entry.dev) record.dev = true;
    if (info.libc) record.libc = info.libc;
    record.optional = true;
    if (info.os) record.os = info.os;
    packages[`node_modules/${name}`] = record;
    added++;
    process.stdout.write(`added ${name}@${info.version}\n`);
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`${added} platform record(s) added to package-lock.json\n`);
