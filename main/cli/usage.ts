export const USAGE = `Layerlab: build, train and export machine-learning models.

Usage:
  layerlab host [--port N] [--host ADDR] [--workspace DIR] [--token T]
      Serve the app to a browser on this machine (host mode). Prints a URL with a token.

  layerlab train --data FILE.csv --target COLUMN --out DIR [options]
      Train a model on a CSV file and write model.json + weights.bin, preprocessing.json
      and metrics.json to DIR.
      --task classification|regression   default: inferred from the target column
      --template linear|mlp              default: mlp
      --graph GRAPH.json                 a model graph saved by the editor (instead of --template)
      --epochs N                         default: 30
      --batch-size N                     default: 32
      --optimizer sgd|momentum|adam|adagrad|rmsprop   default: adam
      --learning-rate X                  default: 0.01
      --validation-split F               default: 0.2
      --seed N                           default: 42

  layerlab --version | --help
`;
