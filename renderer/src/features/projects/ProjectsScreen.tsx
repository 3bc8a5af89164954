import { useState, type FormEvent } from 'react';
import { useProject, useWorkbench } from '../../app/context';
import { formatRelative } from '../../lib/format';
import { messageOf } from '../../lib/errors';
import { RecentList } from './RecentList';
import { setUpSample } from './sample-setup';
import { SAMPLES, type Sample } from './samples';
import './projects.css';

/** The welcome screen: start a project or open one. */
export function ProjectsScreen() {
  const projects = useProject((s) => s.projects);
  const listError = useProject((s) => s.listError);
  const openingId = useProject((s) => s.openingId);
  const openError = useProject((s) => s.openError);
  const creating = useProject((s) => s.creating);
  const createError = useProject((s) => s.createError);
  const workbench = useWorkbench();
  const { createProject, openProject, loadProjects, importText, setTaskSpec, setStep } = workbench.actions;
  const [name, setName] = useState('');
  const [sampleError, setSampleError] = useState<string | null>(null);
  const [startingSample, setStartingSample] = useState<string | null>(null);

  /** A sample in one click: a project named after it, its CSV imported, its task set; then the model step. */
  const startSample = async (sample: Sample) => {
    if (creating || startingSample) return;
    setStartingSample(sample.id);
    setSampleError(null);
    try {
      await setUpSample(sample, {
        createProject,
        importText,
        setTaskSpec,
        setStep,
        where: () => {
          const { current, step } = workbench.stores.project.getState();
          return { projectId: current?.id ?? null, step };
        },
      });
    } catch (error) {
      setSampleError(`Could not start the ${sample.file} example: ${messageOf(error)}`);
    } finally {
      setStartingSample(null);
    }
  };

  const trimmed = name.trim();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed || creating) return;
    if (await createProject(trimmed)) setName('');
  };

  const sorted = projects ? [...projects].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)) : null;

  return (
    <div className="welcome">
      <section className="welcome-intro">
        <h1>Train a model on your own data</h1>
        <p className="muted">
          Import a CSV table, a time series or a folder of images, build a neural network from layers, watch it learn,
          and export it for TensorFlow.js, Keras or ONNX — all on this machine.
        </p>
        <ol className="welcome-steps">
          <li>
            <span>1</span> Data
          </li>
          <li>
            <span>2</span> Model
          </li>
          <li>
            <span>3</span> Train
          </li>
          <li>
            <span>4</span> Export
          </li>
        </ol>
      </section>

      <div className="welcome-panels">
        <RecentList />
        <form className="card new-project" onSubmit={submit}>
          <h2>New project</h2>
          <label className="field">
            <span className="field-label">Project name</span>
            <input
              data-testid="project-name-input"
              className="input"
              value={name}
              maxLength={120}
              placeholder="e.g. Iris flowers"
              onChange={(e) => setName(e.target.value)}
              autoFocus
            />
          </label>
          {createError && (
            <p className="field-error" role="alert">
              {createError}
            </p>
          )}
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="create-project-button"
            disabled={!trimmed || creating}
            title={!trimmed ? 'Type a name for the project first' : undefined}
          >
            {creating ? 'Creating…' : 'Create project'}
          </button>
        </form>

        <section className="card samples" aria-labelledby="samples-title">
          <h2 id="samples-title">Start from an example</h2>
          <p className="muted">
            A sample dataset, imported and set up in one click: train it as it is, then change it.
          </p>
          <ul className="sample-list" data-testid="sample-list">
            {SAMPLES.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className="sample-item"
                  data-testid={`sample-${s.id}`}
                  disabled={creating || startingSample !== null}
                  onClick={() => void startSample(s)}
                >
                  <span className="sample-name">{s.name.replace(' (example)', '')}</span>
                  <span className="sample-kind">{startingSample === s.id ? 'Setting up…' : s.kind}</span>
                  <span className="sample-blurb muted">{s.blurb}</span>
                </button>
              </li>
            ))}
          </ul>
          {sampleError && (
            <p className="field-error" role="alert">
              {sampleError}
            </p>
          )}
        </section>

        <section className="card project-list-card">
          <h2>Your projects</h2>
          {openError && (
            <p className="error-box" role="alert">
              {openError}
            </p>
          )}
          {listError ? (
            <div className="error-box" role="alert">
              Could not list the projects: {listError}{' '}
              <button type="button" className="btn btn-small" onClick={() => void loadProjects()}>
                Try again
              </button>
            </div>
          ) : sorted === null ? (
            <p className="muted">Loading projects…</p>
          ) : (
            <ul className="project-list" data-testid="project-list">
              {sorted.length === 0 && <li className="project-empty muted">No projects yet. Create your first one.</li>}
              {sorted.map((p) => (
                <li key={p.id}>
                  <button
                    type="button"
                    className="project-item"
                    data-testid="project-item"
                    onClick={() => void openProject(p.id)}
                    disabled={openingId !== null}
                  >
                    <span className="project-name">{p.name}</span>
                    <span className="project-updated muted">
                      {openingId === p.id ? 'Opening…' : `Updated ${formatRelative(p.updatedAt)}`}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
