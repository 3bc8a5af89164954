import type { TaskSpec } from '../../../../app/dataset/schema';

/** What setUpSample reads of a sample (samples.ts): its project name, file, text and task. */
export interface SampleSource {
  name: string;
  file: string;
  load: () => Promise<string>;
  spec: TaskSpec;
}

/** What setting a sample up needs from the workbench, and where the user is (the open project and its step). */
export interface SampleSetup {
  createProject: (name: string) => Promise<boolean>;
  importText: (file: string, text: string) => Promise<unknown>;
  setTaskSpec: (spec: TaskSpec) => Promise<unknown>;
  setStep: (step: 'model') => void;
  where: () => { projectId: string | null; step: string };
}

/**
 * A sample in one click: a project named after it, its CSV imported, its task set; then the
 * Model step, but only if the user is still where the setup left them (the new project's Data
 * step). One who went to another step or project while it ran stays there. False when the project
 * could not be made (the create form shows why).
 */
export async function setUpSample(sample: SampleSource, setup: SampleSetup): Promise<boolean> {
  const text = await sample.load();
  if (!(await setup.createProject(sample.name))) return false;
  const started = setup.where();
  await setup.importText(sample.file, text);
  await setup.setTaskSpec(sample.spec);
  const now = setup.where();
  if (now.projectId === started.projectId && now.step === started.step) setup.setStep('model');
  return true;
}
