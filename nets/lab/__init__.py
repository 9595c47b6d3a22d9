"""The claims lab: experiments testing the source documents' claims under fair conditions.

Modules: ``models`` (the matched-capacity models: a plain tanh RNN, a Transformer encoder and
the sizes that match a TextCNN to a GRU), ``verdicts`` (the rules turning numbers into a
verdict), ``speed`` (time to a validation target, forward+backward time against length),
``race`` (the live training race), ``synthetic`` (the long-dependency and local-pattern tasks),
``cost`` (parameters, MACs and the memory autograd keeps), ``pairs`` (minimal pairs),
``digits`` (shift robustness with and without augmentation), ``structure`` (parameter sharing,
input sizes) and ``results`` (the JSON files the page reads). ``python -m nets.train lab``
(``nets/train_lab.py``) runs them all. Never imports Streamlit.
"""
