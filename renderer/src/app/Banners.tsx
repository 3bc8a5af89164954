import { useEffect, useState } from 'react';
import { useConnection, useProject } from './context';

/** Connection and engine problems: a calm bar under the top bar, only while they last. */
export function Banners() {
  return (
    <div className="banners">
      <ConnectionBanner />
      <EngineBanner />
    </div>
  );
}

function ConnectionBanner() {
  const status = useConnection((s) => s.status);
  const retry = useConnection((s) => s.retryInSeconds);
  // The first connection takes a moment; only say something if it does not come quickly.
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (status !== 'connecting') return setSlow(false);
    const t = setTimeout(() => setSlow(true), 1500);
    return () => clearTimeout(t);
  }, [status]);
  if (status === 'open' || (status === 'connecting' && !slow && retry === null)) return null;
  if (status === 'token-expired') {
    return (
      <div className="banner banner-error" role="alert" data-testid="connection-banner">
        <strong>Layerlab was restarted, so this tab can no longer reach it.</strong> Each start makes a new access
        token: open the URL it printed in the terminal (http://127.0.0.1:…/?token=…) in this tab. Your work is saved on
        the host.
      </div>
    );
  }
  const when = retry === null || retry === 0 ? 'Reconnecting…' : `Reconnecting in ${retry} s…`;
  return (
    <div className="banner banner-warn" role="alert" data-testid="connection-banner">
      <strong>Lost connection to the Layerlab host.</strong> {when} Your work is saved on the host; check that Layerlab
      is still running.
    </div>
  );
}

function EngineBanner() {
  const engine = useProject((s) => s.engine);
  // "starting" is news only after a crash (the restart); at launch the top bar says enough.
  const [restarting, setRestarting] = useState(false);
  useEffect(() => {
    if (engine?.state === 'crashed') setRestarting(true);
    if (engine?.state === 'ready') setRestarting(false);
  }, [engine?.state]);
  if (!engine || engine.state === 'ready' || (engine.state === 'starting' && !restarting)) return null;
  return (
    <div
      className={`banner ${engine.state === 'crashed' ? 'banner-error' : 'banner-info'}`}
      role="alert"
      data-testid="engine-banner"
    >
      {engine.state === 'crashed' ? (
        <>
          <strong>The training engine stopped.</strong> {engine.message ?? 'It exited unexpectedly.'} Layerlab restarts
          it automatically; a run in progress continues from its last checkpoint.
        </>
      ) : (
        <>
          <strong>Restarting the training engine…</strong> {engine.message ?? ''}
        </>
      )}
    </div>
  );
}
