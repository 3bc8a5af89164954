import { describe, expect, it } from 'vitest';
import { createProjectStore, type Step } from '../../../renderer/src/features/projects/project-store';
import { setUpSample, type SampleSetup } from '../../../renderer/src/features/projects/sample-setup';

/**
 * Setting an example up takes a moment (import, task); the user may click another step meanwhile.
 * The Model step follows only when they are still on the Data step the setup opened.
 */
function setup(during: (go: (step: Step) => void) => void) {
  const store = createProjectStore();
  const go = (step: Step) => store.setState({ step });
  const steps: SampleSetup = {
    createProject: async () => {
      store.setState({ current: { id: 'p1' } as never, step: 'data' });
      return true;
    },
    importText: async () => {
      store.setState({ step: 'data' });
      await new Promise((r) => setTimeout(r, 5));
      during(go);
    },
    setTaskSpec: async () => undefined,
    setStep: go,
    where: () => ({ projectId: store.getState().current?.id ?? null, step: store.getState().step }),
  };
  return { store, steps };
}

const iris = {
  name: 'Iris flowers (example)',
  file: 'iris.csv',
  load: async () => 'a,b\n1,x\n',
  spec: { target: 'b', features: ['a'], problem: 'classification' } as never,
};

describe('setUpSample', () => {
  it('goes on to the Model step when the user waited', async () => {
    const { store, steps } = setup(() => undefined);
    expect(await setUpSample(iris, steps)).toBe(true);
    expect(store.getState().step).toBe('model');
  });

  it('leaves a user who clicked another step while it ran where they went', async () => {
    const { store, steps } = setup((go) => go('export'));
    await setUpSample(iris, steps);
    expect(store.getState().step).toBe('export');
  });

  it('does not move a user who opened another project meanwhile', async () => {
    const { store, steps } = setup(() => store.setState({ current: { id: 'p2' } as never, step: 'data' }));
    await setUpSample(iris, steps);
    expect(store.getState().step).toBe('data');
  });
});
