import type { Call } from './callers';
import { AFTER_FAULT_MS, everyCallerAnswered } from './verdicts';

const call = (startedAt: number, answer: string, replied = true): Call => ({
  op: 'find',
  startedAt,
  endedAt: startedAt + 5_000,
  answer,
  resent: 0,
  replied,
});
const fault = { from: 100_000, to: 130_000 };

describe('everyCallerAnswered', () => {
  it('takes outcomes and the fault answers a reply carried, at any time', () => {
    const calls = [call(0, 'slots'), call(110_000, 'unavailable'), call(200_000, 'deadline_exceeded')];
    expect(everyCallerAnswered(calls, fault).pass).toBe(true);
  });

  it("takes a client's own deadline as the answer only for calls the fault could have caught", () => {
    const caught = [
      call(96_000, 'deadline_exceeded', false),
      call(fault.to + AFTER_FAULT_MS, 'deadline_exceeded', false),
    ];
    const verdict = everyCallerAnswered(caught, fault);
    expect(verdict).toMatchObject({
      pass: true,
      detail: "all 2 calls; 2 got no reply while the fault lasted (their clients' deadline_exceeded)",
    });

    expect(everyCallerAnswered([call(94_000, 'deadline_exceeded', false)], fault).pass).toBe(false);
    const late = everyCallerAnswered([call(fault.to + AFTER_FAULT_MS + 1, 'deadline_exceeded', false)], fault);
    expect(late).toMatchObject({ pass: false, detail: '1 of 1 calls did not: find no reply 1' });
    expect(everyCallerAnswered([call(110_000, 'deadline_exceeded', false)]).pass).toBe(false);
  });

  it('fails an error reply outside the contract, even during the fault', () => {
    expect(everyCallerAnswered([call(110_000, 'internal')], fault)).toMatchObject({
      pass: false,
      detail: '1 of 1 calls did not: find internal 1',
    });
  });
});
