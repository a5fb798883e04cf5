// The import boundaries of the code layout (README "Code layout"), checked by `npm run lint`. Biome's
// noRestrictedImports matches the specifier text only, and a relative specifier says nothing by itself:
// `../events` is inside src/domain from src/domain/alerts/ but `../../adapters/db/client` is not. So every
// relative specifier is resolved to the file it names first, and the rules look at that path.
//
// Imports are read with TypeScript's own parser: static imports, `export … from`, `import x = require()`
// and `import()` calls, with whether each is type-only (erased from the build).
//
//   npx tsx dev/check-boundaries.ts [root]   → lists every violation, exits 1 if there is one
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';

// TypeScript ships as CommonJS with `export =`; require keeps its whole API under one name in Node ESM.
const ts: typeof TS = createRequire(import.meta.url)('typescript');

export type BoundaryRule = 'domain-is-pure' | 'objects-never-import-worker' | 'routes-never-import-routes' | 'web-imports-shared-code-only';

export interface Violation {
  /** Repository-relative path of the importing file, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  rule: BoundaryRule;
  message: string;
}

interface ImportSite {
  specifier: string;
  line: number;
  typeOnly: boolean;
}

// Where the rules apply: server code under src/, the browser app under web/src/.
const SCANNED_DIRS = ['src', 'web/src'];
const SOURCE_FILE = /\.(ts|tsx|mts|cts)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mts', '/index.ts', '/index.tsx'];

// The web app shares the API's zod schemas for its response types (`z.infer`) instead of keeping a hand-written
// copy; those modules live with the routes today. Type-only imports of them are erased from the bundle, so they
// carry no server code into the browser. Any value import of them, or of anything else in src/workers, is refused.
const WEB_TYPE_ONLY_SCHEMA_MODULE = /^src\/workers\/([a-z-]+-)?schemas\.ts$/;

const toPosix = (path: string) => path.split(sep).join('/');

function listSourceFiles(root: string, dir: string): string[] {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listSourceFiles(root, path));
    else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(toPosix(path));
  }
  return files;
}

/** Every module specifier the file imports or re-exports, with its line and whether it is erased at build. */
export function importsOf(fileName: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (node: TS.Node, literal: TS.Expression | undefined, typeOnly: boolean) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    sites.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node: TS.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import type {…}`, or `import {type a, type b}` with every name type-only (no default import).
      const allNamedTypes =
        !!clause &&
        !clause.name &&
        !!clause.namedBindings &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((element) => element.isTypeOnly);
      add(node, node.moduleSpecifier, !!clause && (clause.isTypeOnly || allNamedTypes));
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      // `typeof import('…')` in a type position.
      add(node, node.argument.literal as TS.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** The repository-relative file a relative specifier names (with its extension when the file exists). */
function resolveRelative(root: string, importer: string, specifier: string): string {
  const base = resolve(root, dirname(importer), specifier);
  for (const suffix of RESOLVE_SUFFIXES) {
    const candidate = base + suffix;
    if (existsSync(candidate) && statSync(candidate).isFile()) return toPosix(relative(root, candidate));
  }
  // Not on disk (a typo, or a file not written yet): the rules still apply to where it points.
  return toPosix(relative(root, base));
}

const isUnder = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
const ROUTE_FILE = /^src\/workers\/routes\/[^/]+\.ts$/;

function ruleBroken(importer: string, site: ImportSite, target: string | null): { rule: BoundaryRule; message: string } | null {
  if (isUnder(importer, 'src/domain')) {
    if (site.specifier.startsWith('cloudflare:')) {
      return { rule: 'domain-is-pure', message: 'src/domain is pure TypeScript: no Cloudflare modules' };
    }
    if (target !== null && !isUnder(target, 'src/domain')) {
      return { rule: 'domain-is-pure', message: `src/domain imports only src/domain, not ${target}` };
    }
  }
  if (isUnder(importer, 'src/durable-objects') && target !== null && isUnder(target, 'src/workers')) {
    return {
      rule: 'objects-never-import-worker',
      message: `Durable Objects never import the Worker (${target}); move what they share to src/app, src/domain or src/env.ts`,
    };
  }
  if (ROUTE_FILE.test(importer) && target !== null && ROUTE_FILE.test(target) && target !== importer) {
    return {
      rule: 'routes-never-import-routes',
      message: `a route file never imports another route (${target}); move the shared part to src/app or a src/workers module`,
    };
  }
  if (isUnder(importer, 'web/src') && target !== null && isUnder(target, 'src')) {
    const shared = isUnder(target, 'src/shared') || isUnder(target, 'src/domain');
    const schemaTypes = site.typeOnly && WEB_TYPE_ONLY_SCHEMA_MODULE.test(target);
    if (!shared && !schemaTypes) {
      return {
        rule: 'web-imports-shared-code-only',
        message: `the web app imports src/shared and src/domain (and API schema types), not ${target}`,
      };
    }
  }
  return null;
}

/** Checks the given repository-relative files (default: everything under src/ and web/src/) against the rules. */
export function checkBoundaries(root: string, files = SCANNED_DIRS.flatMap((dir) => listSourceFiles(root, dir))): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    for (const site of importsOf(file, readFileSync(join(root, file), 'utf8'))) {
      const target = site.specifier.startsWith('.') ? resolveRelative(root, file, site.specifier) : null;
      const broken = ruleBroken(file, site, target);
      if (broken) violations.push({ file, line: site.line, specifier: site.specifier, ...broken });
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? '.');
  const violations = checkBoundaries(root);
  for (const v of violations) console.error(`${v.file}:${v.line}  ${v.rule}  '${v.specifier}': ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} import(s) cross a code-layout boundary (see README "Code layout").`);
    process.exit(1);
  }
  console.log('Import boundaries hold.');
}
