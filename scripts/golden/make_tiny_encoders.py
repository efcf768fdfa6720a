#!/usr/bin/env python3
"""Makes the tiny random encoder checkpoints and their golden outputs (issue: Models I).

For each architecture (BERT, RoBERTa, DistilBERT, XLM-RoBERTa) and each head (base model,
ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, ForMaskedLM) it builds a
randomly initialised model from transformers' own config class (seeded), saves it with
save_pretrained (safetensors) together with a small tokenizer trained here with the `tokenizers`
library (WordPiece for BERT/DistilBERT, byte-level BPE for RoBERTa, Unigram for XLM-R), and records
what transformers computes on a batch of mixed-length, padded inputs:
  tests/models/tiny/<arch>/<head>/           the checkpoint (config.json, model.safetensors, tokenizer)
  tests/golden/models/<arch>-<head>.safetensors  input_ids, attention_mask, token_type_ids,
      hidden_states.<i> (every layer, f32), last_hidden_state, pooler_output, logits / start_logits ...
  tests/golden/models/<arch>-<head>.bf16.safetensors  the same outputs (stored as bf16) of the
      committed checkpoint loaded with torch_dtype=torch.bfloat16, run in bf16 on the same inputs.
Metadata of each golden file records the library versions. Needs `scripts/setup --reference`.
Run from the repository root:  .venv/bin/python scripts/golden/make_tiny_encoders.py
  --bf16-only: only (re)write the bf16 goldens from the committed checkpoints and f32 goldens'
  inputs, leaving the checkpoints and f32 goldens byte-identical.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from safetensors import safe_open
from safetensors.numpy import save_file
from safetensors.torch import save_file as save_torch_file
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_MODELS = os.path.join(ROOT, "tests", "models", "tiny")
OUT_GOLDEN = os.path.join(ROOT, "tests", "golden", "models")
CORPUS = os.path.join(ROOT, "..", "shared", "data", "tokenizers", "corpus", "dev.txt")

VOCAB = 512
HIDDEN = 32
LAYERS = 2
HEADS = 4
INTER = 37
MAX_POS = 128

TEXTS = [
    "Hello world, this is a test.",
    "The quick brown fox jumps over the lazy dog near the river bank in Paris.",
    "Short.",
    "Zürich and Kraków are cities; 42 is a number!",
]
PAIRS = [("What is the capital?", "Paris is the capital of France."),
         ("Who?", "Nobody knows who wrote this sentence, but it is long enough to matter.")]
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
CLS_LABELS = ["negative", "neutral", "positive"]


def corpus_lines():
    with open(CORPUS, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f][:1500]


def make_tokenizer(kind: str) -> transformers.PreTrainedTokenizerFast:
    lines = corpus_lines()
    if kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tok.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=VOCAB, special_tokens=specials, limit_alphabet=150))
        cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
        tok.decoder = decoders.WordPiece()
        return transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
            sep_token="[SEP]", mask_token="[MASK]", model_max_length=MAX_POS)
    if kind == "bpe":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        tok.train_from_iterator(lines, trainers.BpeTrainer(
            vocab_size=VOCAB, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
        tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        return transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
            cls_token="<s>", sep_token="</s>", mask_token="<mask>", model_max_length=MAX_POS - 2)
    if kind == "unigram":
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        # Unigram must hold every character seen: train on the Latin-script lines only.
        lines = [l for l in lines if all(ord(c) < 0x250 for c in l)]
        tok.train_from_iterator(lines, trainers.UnigramTrainer(vocab_size=VOCAB, special_tokens=specials, unk_token="<unk>"))
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
        tok.decoder = decoders.Metaspace()
        return transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
            cls_token="<s>", sep_token="</s>", mask_token="<mask>", model_max_length=MAX_POS - 2)
    raise ValueError(kind)


def arch_config(arch: str, vocab: int, **kw):
    VOCAB = vocab
    if arch == "bert":
        return transformers.BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                       num_attention_heads=HEADS, intermediate_size=INTER,
                                       max_position_embeddings=MAX_POS, type_vocab_size=2, **kw)
    if arch == "roberta":
        return transformers.RobertaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                          num_attention_heads=HEADS, intermediate_size=INTER,
                                          max_position_embeddings=MAX_POS + 2, type_vocab_size=1,
                                          pad_token_id=1, bos_token_id=0, eos_token_id=2, **kw)
    if arch == "xlm-roberta":
        return transformers.XLMRobertaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                             num_attention_heads=HEADS, intermediate_size=INTER,
                                             max_position_embeddings=MAX_POS + 2, type_vocab_size=1,
                                             pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                             hidden_act="gelu_new", **kw)
    if arch == "distilbert":
        return transformers.DistilBertConfig(vocab_size=VOCAB, dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS,
                                             hidden_dim=INTER, max_position_embeddings=MAX_POS, **kw)
    raise ValueError(arch)


ARCHS = {
    "bert": ("wordpiece", "Bert"),
    "roberta": ("bpe", "Roberta"),
    "distilbert": ("wordpiece", "DistilBert"),
    "xlm-roberta": ("unigram", "XLMRoberta"),
}
HEADS_ = {
    "base": ("Model", {}),
    "sequence-classification": ("ForSequenceClassification",
                                {"id2label": dict(enumerate(CLS_LABELS)),
                                 "label2id": {l: i for i, l in enumerate(CLS_LABELS)}}),
    "token-classification": ("ForTokenClassification",
                             {"id2label": dict(enumerate(NER_LABELS)),
                              "label2id": {l: i for i, l in enumerate(NER_LABELS)}}),
    "question-answering": ("ForQuestionAnswering", {}),
    "masked-lm": ("ForMaskedLM", {}),
}


def randomize_norms(model):
    # Default init leaves LayerNorm at weight 1 / bias 0, which would hide a missing weight.
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)
            elif name.endswith("bias"):
                p.add_(torch.randn(p.shape, generator=g) * 0.02)


OUTPUT_KEYS = ("last_hidden_state", "pooler_output", "logits", "start_logits", "end_logits")


def make_bf16_golden(arch: str, head: str, versions: dict) -> None:
    """transformers' bf16 run (weights, activations and every op in bfloat16, as
    from_pretrained(torch_dtype=torch.bfloat16) runs it) of the committed checkpoint on the
    committed f32 golden's inputs."""
    prefix, suffix = ARCHS[arch][1], HEADS_[head][0]
    cls = getattr(transformers, prefix + suffix)
    model = cls.from_pretrained(os.path.join(OUT_MODELS, arch, head), dtype=torch.bfloat16).eval()
    f32_golden = os.path.join(OUT_GOLDEN, f"{arch}-{head}.safetensors")
    with safe_open(f32_golden, "pt") as f:
        inputs = {k: f.get_tensor(k) for k in ("input_ids", "attention_mask", "token_type_ids") if k in f.keys()}
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True)
    tensors = {f"hidden_states.{i}": h.clone() for i, h in enumerate(out.hidden_states)}
    for key in OUTPUT_KEYS:
        v = getattr(out, key, None)
        if v is not None:
            tensors[key] = v.clone()
    assert all(t.dtype == torch.bfloat16 for t in tensors.values())
    meta = dict(versions, arch=arch, head=head, model_class=cls.__name__, torch_dtype="bfloat16",
                inputs=os.path.basename(f32_golden))
    save_torch_file(tensors, os.path.join(OUT_GOLDEN, f"{arch}-{head}.bf16.safetensors"), metadata=meta)
    print(f"{arch}/{head} bf16: {sorted(tensors)}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bf16-only", action="store_true",
                        help="only write the bf16 goldens from the committed checkpoints")
    args = parser.parse_args()
    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "numpy": np.__version__}
    os.makedirs(OUT_GOLDEN, exist_ok=True)
    if args.bf16_only:
        for arch in ARCHS:
            for head in HEADS_:
                make_bf16_golden(arch, head, versions)
        return 0
    for arch, (tok_kind, prefix) in ARCHS.items():
        tokenizer = make_tokenizer(tok_kind)
        for head, (suffix, extra) in HEADS_.items():
            torch.manual_seed(0)
            config = arch_config(arch, len(tokenizer), **extra)
            cls = getattr(transformers, prefix + suffix)
            model = cls(config).eval()
            randomize_norms(model)
            out_dir = os.path.join(OUT_MODELS, arch, head)
            shutil.rmtree(out_dir, ignore_errors=True)
            model.save_pretrained(out_dir, safe_serialization=True)
            tokenizer.save_pretrained(out_dir)
            for extra_file in ("vocab.txt", "merges.txt", "vocab.json"):  # tokenizer.json suffices
                p = os.path.join(out_dir, extra_file)
                if os.path.exists(p):
                    os.remove(p)

            inputs = (tokenizer([a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True, return_tensors="pt")
                      if head == "question-answering" else tokenizer(TEXTS, padding=True, return_tensors="pt"))
            if arch in ("distilbert", "roberta", "xlm-roberta"):
                inputs.pop("token_type_ids", None)
            with torch.no_grad():
                out = model(**inputs, output_hidden_states=True)
            tensors = {k: v.numpy().astype(np.int64) for k, v in inputs.items()}
            for i, h in enumerate(out.hidden_states):
                tensors[f"hidden_states.{i}"] = h.numpy().astype(np.float32)
            for key in OUTPUT_KEYS:
                v = getattr(out, key, None)
                if v is not None:
                    tensors[key] = v.numpy().astype(np.float32)
            meta = dict(versions, arch=arch, head=head, model_class=cls.__name__,
                        texts=json.dumps(PAIRS if head == "question-answering" else TEXTS))
            save_file(tensors, os.path.join(OUT_GOLDEN, f"{arch}-{head}.safetensors"), metadata=meta)
            print(f"{arch}/{head}: {sorted(tensors)}", file=sys.stderr)
            make_bf16_golden(arch, head, versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
