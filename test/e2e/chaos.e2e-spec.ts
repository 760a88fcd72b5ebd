import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../scripts/chaos/report';

/**
 * The chaos harness's shortest scenario, so that CI catches a regression in surviving the loss
 * of a NATS node: `npm run chaos -- --light --only nats-one-node` (the same code, its own
 * 3-node cluster, Postgres and services, under light load), judged by its report.
 */
describe('chaos: one NATS node killed under light load', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'calldesk-chaos-report-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('passes every verdict: no double booking, provider and bookings agree, every caller answered, caches right again', async () => {
    const main = path.join(__dirname, '..', '..', 'dist', 'scripts', 'chaos', 'main.js');
    const output = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        [main, '--light', '--only', 'nats-one-node', '--out', out],
        { timeout: 110_000 },
        (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
      ),
    );
    const reportFile = path.join(out, 'report.json');
    // A run that wrote no report died before judging: what it said is the failure.
    const written = existsSync(reportFile);
    expect({ written, output: written ? '' : output }).toEqual({ written: true, output: '' });
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    const [scenario] = report.scenarios;
    expect(scenario?.name).toBe('nats-one-node');
    // Every verdict, and the run's own lines should one fail.
    const failed = scenario.verdicts.filter((v) => !v.pass);
    expect({ failed, output: failed.length ? output : '' }).toEqual({ failed: [], output: '' });
    // The load was real: some 30 sessions before the fault, and sessions again once it was over
    // (how many during and after varies with the node killed: callers of a node's lost requests
    // wait out their deadlines).
    const { find } = scenario.figures.latencyMs;
    expect(find.baseline.n).toBeGreaterThan(20);
    expect(find.afterFault.n).toBeGreaterThan(0);
  }, 120_000);
});
