import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const SPEC = /\.(spec|int-spec|e2e-spec)\.ts$/;
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'(\.[^']*)'/gm;

/** Every .ts file below `dir` (relative to the repo), generated code and dependencies aside. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter(
      (path) =>
        path.endsWith('.ts') &&
        !path.split(sep).some((part) => part === 'node_modules' || part === 'gen' || part === 'dist'),
    )
    .map((path) => join(dir, path));
}

/** The repo paths `file` imports by relative path. */
function relativeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => relative(ROOT, resolve(join(ROOT, dirname(file)), match[1])));
}

const serviceOf = (path: string) => (path.startsWith(`services${sep}`) ? path.split(sep)[1] : undefined);

/**
 * Specs start other services through libs/testing (startInProcessService by name), never by
 * importing their files: a service's code and specs reach only into their own service, and the
 * specs of libs and of test/ into no service at all.
 */
describe('imports across services', () => {
  it('no service file imports another service, and no spec outside services imports one', () => {
    const files = [...sources('services'), ...sources('libs'), ...sources('test')];
    const specs = files.filter((file) => SPEC.test(file));
    expect(specs.length).toBeGreaterThan(50);

    const crossings = files.flatMap((file) => {
      const own = serviceOf(file);
      if (!own && !SPEC.test(file)) return [];
      return relativeImports(file)
        .filter((target) => serviceOf(target) !== undefined && serviceOf(target) !== own)
        .map((target) => `${file} imports ${target}`);
    });
    expect(crossings).toEqual([]);
  });

  it('sees an import that crosses, so the check above can fail', () => {
    expect(
      relativeImports('libs/testing/src/services.ts').filter((target) => serviceOf(target) === 'routing'),
    ).toContain(join('services', 'routing', 'src', 'routing.module'));
  });
});
