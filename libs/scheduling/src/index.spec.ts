import * as scheduling from '@calldesk/scheduling';

describe('@calldesk/scheduling', () => {
  it('resolves through the path alias and exports the slot core', () => {
    expect(typeof scheduling.bookableStarts).toBe('function');
    expect(typeof scheduling.validateProfile).toBe('function');
    expect(typeof scheduling.benchSlotCore).toBe('function');
  });
});
