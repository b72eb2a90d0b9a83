"""model-tools' Python package, in layers: a module imports only from its own layer or the ones above it in
``LAYERS`` (listed bottom first), and no two modules import each other, directly or through others
(``tests/test_layers.py`` reads every import, at module level or inside a function, and fails on either).

  configuration  where the default model's files live, its sizes, its stages (one ``config.Run`` per run)
  data           ChatML and tokenizers, the generated conversations, the prepared token ids and batches
  model          the decoder, its adapters, building and loading the default model's checkpoints
  stages         each step alone: training, scoring, export to ONNX, the candidate and its publication,
                 int8 quantization, re-export
  commands       the command lines that compose them: ``train`` (the default-model pipeline), ``evaluate``,
                 ``fixtures`` (test and benchmark models), ``platform_eval`` (scores through the services)
"""

LAYERS = (
    ("configuration", ("config",)),
    ("data", ("chatml", "bpe", "names", "wording", "tooluse", "chatdata", "encoder", "dataset")),
    ("model", ("llama", "lora", "checkpoints")),
    ("stages", ("training", "scoring", "export", "candidate", "quantize", "reexport")),
    ("commands", ("train", "evaluate", "fixtures", "platform_eval", "genai_fixture")),
)
