import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Longest function, method or arrow function body allowed in the source folders, in lines. */
const MAX_FUNCTION_LINES = 150;

const ROOT = join(import.meta.dirname, '..', '..');

/** Source folders checked (every `.ts` file below them, declarations excepted). */
const SOURCE_FOLDERS = [
  'bench',
  'broker',
  'circuits',
  'contracts',
  'dev-ptau',
  'gateway',
  'lib',
  'oracle',
  'protocol',
  'scripts',
  'simulator',
  'verifier',
];

/** Folders below the source folders that hold build output, not source. */
const OUTPUT_FOLDERS = new Set(['node_modules', 'build', 'out', 'results']);

/**
 * Files being rewritten in parallel, to be checked once those rewrites land: remove an entry when its rewrite is
 * merged. Entries ending in `/` are folders.
 */
const BEING_REWRITTEN: string[] = [];

/** Whether a file says it is generated (in its first lines), like `contracts/abis.ts`. */
function isGenerated(text: string): boolean {
  return /^\/\/.*\b(generated|Generated) (by|file)\b/m.test(text.slice(0, 500));
}

function isExcluded(path: string): boolean {
  return (
    BEING_REWRITTEN.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) : path === entry))
  );
}

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!OUTPUT_FOLDERS.has(entry.name)) out.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** A function-like node with a body, its name and length in lines (first to last line, inclusive). */
interface FunctionLength {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  return '<anonymous>';
}

/** Every function, method, accessor, constructor and arrow function of `file` with its length. */
function functionLengths(file: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = source.getLineAndCharacterOfPosition(fn.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(fn.getEnd()).line;
      out.push({ file, line: first + 1, name: nameOf(fn, source), lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('function length', () => {
  it('measures a function from its first to its last line', () => {
    const text = 'function a() {\n  return 1;\n}\nconst b = () =>\n  2;\nclass C { m() { return 3; } }\n';
    expect(functionLengths('x.ts', text).map((f) => [f.name, f.lines])).toEqual([
      ['a', 3],
      ['b', 2],
      ['m', 1],
    ]);
  });

  it(`no function in the source folders is over ${MAX_FUNCTION_LINES} lines`, () => {
    const tooLong: string[] = [];
    for (const folder of SOURCE_FOLDERS) {
      for (const file of sourceFiles(folder)) {
        if (isExcluded(file)) continue;
        const text = readFileSync(join(ROOT, file), 'utf8');
        if (isGenerated(text)) continue;
        for (const fn of functionLengths(relative(ROOT, join(ROOT, file)), text))
          if (fn.lines > MAX_FUNCTION_LINES)
            tooLong.push(`${fn.file}:${fn.line} ${fn.name} (${fn.lines} lines)`);
      }
    }
    expect(tooLong, 'split these functions by subject into named functions').toEqual([]);
  });
});
