import { DiagnosisPanel } from '../diagnosis/DiagnosisPanel';
import { EvaluationPanel } from '../evaluation/EvaluationPanel';
import { LearningCurvePanel } from '../learning-curve/LearningCurvePanel';
import { ImportRun } from './ImportRun';
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
        <ImportRun />
      </div>
      <div className="train-main">
        <RunPanel />
        <DiagnosisPanel />
        <EvaluationPanel />
        <LearningCurvePanel />
      </div>
    </div>
  );
}
