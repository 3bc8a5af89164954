import { DiagnosisPanel } from '../diagnosis/DiagnosisPanel';
import { RunHistory } from './RunHistory';
import { RunPanel } from './RunPanel';
import { TrainForm } from './TrainForm';
import './train.css';

export function TrainStep() {
  return (
    <div className="page train-step">
      <div className="train-side">
        <TrainForm />
        <RunHistory />
      </div>
      <div className="train-main">
        <RunPanel />
        <DiagnosisPanel />
      </div>
    </div>
  );
}
