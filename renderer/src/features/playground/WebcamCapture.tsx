import { useEffect, useRef, useState } from 'react';
import { messageOf } from '../../lib/errors';

/** The frame a playing <video> shows, as a PNG; null while it has none yet. */
export function frameOf(v: HTMLVideoElement | null): Promise<Blob | null> {
  if (!v || v.videoWidth === 0) return Promise.resolve(null);
  const canvas = document.createElement('canvas');
  canvas.width = v.videoWidth;
  canvas.height = v.videoHeight;
  canvas.getContext('2d')!.drawImage(v, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}

/**
 * The camera for a <video>: start asks the browser for it (getUserMedia), stop (or unmounting)
 * turns it off; an error says why it could not start.
 */
export function useCamera() {
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (video.current) video.current.srcObject = stream;
    return () => stream?.getTracks().forEach((t) => t.stop());
  }, [stream]);

  const start = async () => {
    setError(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setError('This browser gives no camera access here (it needs https or localhost).');
      return;
    }
    try {
      setStream(await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false }));
    } catch (e) {
      setError(`The camera could not start: ${messageOf(e)}`);
    }
  };
  return { video, stream, error, start, stop: () => setStream(null) };
}

/**
 * The camera as an image source (Teachable Machine's webcam): Start asks the browser for the
 * camera (getUserMedia), Capture takes the frame shown as a PNG file, and Live captures one
 * every second while it is on, each handed to `onFrame` exactly like a dropped picture. Stop (or
 * leaving the view) turns the camera off.
 */
export function WebcamCapture({ onFrame, busy }: { onFrame: (file: File) => void; busy: boolean }) {
  const { video, stream, error, start, stop: stopCamera } = useCamera();
  const [live, setLive] = useState(false);
  const count = useRef(0);
  const stop = () => {
    setLive(false);
    stopCamera();
  };

  const capture = () => {
    void frameOf(video.current).then((blob) => {
      if (!blob) return;
      count.current += 1;
      onFrame(new File([blob], `webcam-${count.current}.png`, { type: 'image/png' }));
    });
  };

  // Live: a frame a second, skipped while the last one is still being predicted.
  const latest = useRef({ capture, busy });
  latest.current = { capture, busy };
  useEffect(() => {
    if (!live || !stream) return;
    const timer = setInterval(() => {
      if (!latest.current.busy) latest.current.capture();
    }, 1000);
    return () => clearInterval(timer);
  }, [live, stream]);

  return (
    <div className="webcam" data-testid="webcam">
      {stream ? (
        <>
          <video ref={video} className="webcam-video" autoPlay playsInline muted data-testid="webcam-video" />
          <div className="webcam-actions">
            <button
              type="button"
              className="btn btn-primary btn-small"
              data-testid="webcam-capture"
              onClick={capture}
              disabled={busy}
            >
              Capture
            </button>
            <label className="check">
              <input
                type="checkbox"
                data-testid="webcam-live"
                checked={live}
                onChange={(e) => setLive(e.target.checked)}
              />{' '}
              Live (a frame a second)
            </label>
            <button type="button" className="btn btn-small" data-testid="webcam-stop" onClick={stop}>
              Stop camera
            </button>
          </div>
        </>
      ) : (
        <button type="button" className="btn btn-small" data-testid="webcam-start" onClick={() => void start()}>
          Use the webcam
        </button>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="webcam-error">
          {error}
        </p>
      )}
    </div>
  );
}
