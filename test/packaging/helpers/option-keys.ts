/**
 * The option keys and event names a package exports, read from its TypeScript sources with the compiler
 * API (not a list kept by hand): every exported type declared in the package's own `src/` whose name ends
 * in Options, Init, Config or Events (not `Resolved…`: those are results), walked into the object types its
 * properties name when those are declared in the same package (interfaces, type literals, unions, arrays).
 * `apiTypes` adds exported types walked the same way whatever their name (e.g. the fake issuer's interface).
 */
import { join, sep } from 'node:path';
import ts from 'typescript';

export interface ExportedKeys {
  /** Type name → the keys found under it, as `key` (nested ones too, each on its own). */
  byType: Map<string, Set<string>>;
}

const OPTION_TYPE = /(Options|Init|Config|Events)$/;

/** One program over every package's `src/index.ts`, the workspace packages resolved to their sources. */
export function createPackagesProgram(packagesDir: string, packages: readonly string[]): ts.Program {
  const roots = packages.map((name) => join(packagesDir, name, 'src', 'index.ts'));
  return ts.createProgram(roots, {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    experimentalDecorators: true,
    customConditions: ['@portcullis/source'],
    types: ['node'],
  });
}

export function exportedOptionKeys(program: ts.Program, packageDir: string, apiTypes: readonly string[] = []): ExportedKeys {
  const checker = program.getTypeChecker();
  const srcDir = join(packageDir, 'src') + sep;
  const index = program.getSourceFile(join(packageDir, 'src', 'index.ts'));
  if (index === undefined) throw new Error(`no program file for ${packageDir}/src/index.ts`);
  const moduleSymbol = checker.getSymbolAtLocation(index);
  if (moduleSymbol === undefined) throw new Error(`no module symbol for ${packageDir}`);
  const inPackage = (declaration: ts.Declaration | undefined): boolean =>
    declaration !== undefined && ts.sys.resolvePath(declaration.getSourceFile().fileName).startsWith(srcDir);

  const byType = new Map<string, Set<string>>();
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!apiTypes.includes(symbol.name) && (!OPTION_TYPE.test(symbol.name) || symbol.name.startsWith('Resolved'))) continue;
    if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
    if (!inPackage(symbol.declarations?.[0])) continue;
    const keys = new Set<string>();
    walk(checker.getDeclaredTypeOfSymbol(symbol), keys, new Set(), 0);
    byType.set(symbol.name, keys);
  }
  return { byType };

  function walk(type: ts.Type, keys: Set<string>, seen: Set<ts.Type>, depth: number): void {
    if (seen.has(type) || depth > 4) return;
    seen.add(type);
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) walk(member, keys, seen, depth);
      return;
    }
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      for (const element of checker.getTypeArguments(type as ts.TypeReference)) walk(element, keys, seen, depth);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object) || type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return;
    const declaration = type.getSymbol()?.declarations?.[0];
    // Object types of other packages (AbortSignal, a framework's types, core's own for an adapter) are theirs to document.
    if (!inPackage(declaration)) return;
    // A class instance (a store, a verifier) is a value to pass, not options to spell out; an open record
    // (a string index signature: a JWK, claims) is data whose members are the spec's, not ours.
    if (declaration !== undefined && ts.isClassDeclaration(declaration)) return;
    if (type.getStringIndexType() !== undefined) return;
    for (const property of type.getProperties()) {
      const propertyDeclaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!inPackage(propertyDeclaration)) continue;
      keys.add(property.name);
      if (propertyDeclaration !== undefined) walk(checker.getTypeOfSymbolAtLocation(property, propertyDeclaration), keys, seen, depth + 1);
    }
  }
}

/** The text of every code span and code block of a Markdown document: where an option is named. */
export function codeText(markdown: string): string {
  const blocks = [...markdown.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const withoutBlocks = markdown.replace(/```[^\n]*\n[\s\S]*?```/g, '');
  const spans = [...withoutBlocks.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
  return [...blocks, ...spans].join('\n');
}

/** Whether `key` is named in `code` as a whole identifier. */
export function names(code: string, key: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_$])${key.replace(/[$]/g, '\\$')}($|[^A-Za-z0-9_$])`).test(code);
}

