"""Build a tiny Argos Translate package: random-weight Transformer + SentencePiece model.

Real Argos models cannot be downloaded here, so tests and benchmarks build one: a SentencePiece
model trained on the bundled sentences, and a 2-layer CTranslate2 Transformer with random weights
(seeded, so the package is the same each time) made through CTranslate2's own spec and converter
classes. It exercises install, load and batching; its "translations" are noise.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data" / "translate"


def training_sentences() -> list[str]:
    sentences = []
    for name in ("ntrex128.head30.en-fr-es.tsv", "glossary_sentences.tsv"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()[1:]
        for line in lines:
            sentences += [cell for cell in line.split("\t") if len(cell) > 20]
    return sentences


def train_sentencepiece(workdir: Path, vocab_size: int = 400) -> Path:
    import sentencepiece as spm

    corpus = workdir / "corpus.txt"
    corpus.write_text("\n".join(training_sentences()) + "\n", encoding="utf-8")
    prefix = workdir / "sentencepiece"
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size,
        hard_vocab_limit=False, character_coverage=1.0, model_type="unigram",
        bos_id=1, eos_id=2, unk_id=0, pad_id=-1, minloglevel=2, num_threads=1,
    )
    return prefix.with_suffix(".model")


def build_ctranslate2_model(vocabulary: list[str], out_dir: Path, *, d_model: int = 32,
                            ffn: int = 64, layers: int = 2, heads: int = 2,
                            seed: int = 0) -> None:
    from ctranslate2.converters.converter import Converter
    from ctranslate2.converters.opennmt_py import set_transformer_spec
    from ctranslate2.specs import TransformerSpec

    rng = np.random.default_rng(seed)
    size = len(vocabulary)

    def weights(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.3).astype(np.float32)

    variables: dict[str, np.ndarray] = {}
    for side, layer_name in (("encoder", "encoder.transformer.{}"),
                             ("decoder", "decoder.transformer_layers.{}")):
        variables[f"{side}.embeddings.make_embedding.emb_luts.0.weight"] = weights(size, d_model)
        variables[f"{side}.embeddings.make_embedding.pe.pe"] = _sinusoids(512, d_model)
        variables[f"{side}.layer_norm.weight"] = np.ones(d_model, np.float32)
        variables[f"{side}.layer_norm.bias"] = np.zeros(d_model, np.float32)
        for i in range(layers):
            scope = layer_name.format(i)
            norms = ["layer_norm", "feed_forward.layer_norm"]
            attentions = ["self_attn"]
            if side == "decoder":
                norms = ["layer_norm_1", "layer_norm_2", "feed_forward.layer_norm"]
                attentions.append("context_attn")
            for norm in norms:
                variables[f"{scope}.{norm}.weight"] = np.ones(d_model, np.float32)
                variables[f"{scope}.{norm}.bias"] = np.zeros(d_model, np.float32)
            for attention in attentions:
                for linear in ("linear_query", "linear_keys", "linear_values", "final_linear"):
                    variables[f"{scope}.{attention}.{linear}.weight"] = weights(d_model, d_model)
                    variables[f"{scope}.{attention}.{linear}.bias"] = weights(d_model)
            variables[f"{scope}.feed_forward.w_1.weight"] = weights(ffn, d_model)
            variables[f"{scope}.feed_forward.w_1.bias"] = weights(ffn)
            variables[f"{scope}.feed_forward.w_2.weight"] = weights(d_model, ffn)
            variables[f"{scope}.feed_forward.w_2.bias"] = weights(d_model)
    variables["generator.weight"] = weights(size, d_model)
    bias = np.zeros(size, np.float32)
    bias[vocabulary.index("</s>")] = 4.0  # make the random model stop after a few tokens
    variables["generator.bias"] = bias

    class TinyConverter(Converter):
        def _load(self) -> TransformerSpec:
            spec = TransformerSpec.from_config(layers, heads, pre_norm=True)
            set_transformer_spec(spec, variables)
            spec.register_source_vocabulary(vocabulary)
            spec.register_target_vocabulary(vocabulary)
            return spec

    TinyConverter().convert(str(out_dir), force=True)


def build_package(workdir: Path, source: str = "fr", target: str = "en",
                  version: str = "0.0.1") -> Path:
    """Write ``translate-SRC_TGT-tiny.argosmodel`` into ``workdir`` and return its path."""
    import sentencepiece as spm

    workdir.mkdir(parents=True, exist_ok=True)
    sp_model = train_sentencepiece(workdir)
    processor = spm.SentencePieceProcessor(model_file=str(sp_model))
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    name = f"translate-{source}_{target}-tiny"
    model_dir = workdir / name / "model"
    build_ctranslate2_model(vocabulary, model_dir)
    metadata = {
        "package_version": version, "argos_version": "1.9.0", "from_code": source,
        "from_name": source, "to_code": target, "to_name": target, "type": "translate",
        "links": [],
    }
    archive_path = workdir / f"{name}.argosmodel"
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}/metadata.json", json.dumps(metadata))
        archive.write(sp_model, f"{name}/sentencepiece.model")
        archive.writestr(f"{name}/README.md", "Tiny random test model. Not a translator.\n")
        for file in sorted(model_dir.iterdir()):
            archive.write(file, f"{name}/model/{file.name}")
    return archive_path


def _sinusoids(length: int, dim: int) -> np.ndarray:
    position = np.arange(length)[:, None]
    div = np.exp(np.arange(0, dim, 2) * (-np.log(10000.0) / dim))
    table = np.zeros((length, 1, dim), np.float32)
    table[:, 0, 0::2] = np.sin(position * div)
    table[:, 0, 1::2] = np.cos(position * div)
    return table
