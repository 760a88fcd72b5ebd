// A test of whole processes waits on them with limits of its own (waitFor, waitForSpans); jest's
// 5 s default would cut those waits short whenever the machine is busy. (testTimeout is not a
// per-project option: set in the project, jest ignores it.)
jest.setTimeout(60_000);
