"""Tiny SentencePiece model folders for `hfcpp convert` (tests/python/test_convert_spm.py) and the
tokenizer.model reader's unit tests (tests/formats/sentencepiece_model_test.cpp).

Trains small tokenizer.model files with the `sentencepiece` package (requirements/light.txt) on
../shared/data/tokenizers/corpus/dev.txt and writes, per case, tests/golden/convert_spm/<case>/ with
tokenizer.model, tokenizer_config.json and config.json (no weights: the test draws them with numpy).
The cases cover BPE and Unigram, byte_fallback on and off, user-defined and control symbols,
added_tokens.json, added_tokens_decoder entries (special and not, one that replaces a piece) and a
config vocab_size larger than the model's (padding with [PAD<i>]).

  .venv/bin/python scripts/golden/make_spm_fixtures.py
"""
import json
import shutil
import tempfile
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "data" / "tokenizers" / "corpus" / "dev.txt"
OUT = ROOT / "tests" / "golden" / "convert_spm"

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, LAYERS = 32, 4, 2, 8, 64, 2


def added(content, special):
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
            "special": special}


# case -> (model_type, HF class, trainer options, extra vocab rows in config.json, tokenizer_config, added_tokens.json)
CASES = {
    # Llama 2 style: BPE with byte fallback, <unk>=0 <s>=1 </s>=2.
    "llama-spm-bpe": ("llama", "LlamaForCausalLM",
                      dict(model_type="bpe", vocab_size=1200, byte_fallback=True, user_defined_symbols=["<sep>"]),
                      0,
                      {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
                       "unk_token": "<unk>", "pad_token": None, "tokenizer_class": "LlamaTokenizer",
                       "added_tokens_decoder": {"0": added("<unk>", True), "1": added("<s>", True),
                                                "2": added("</s>", True)}},
                      None),
    # Unigram without byte fallback, control symbols, added_tokens.json past the model's vocabulary.
    "llama-spm-unigram": ("llama", "LlamaForCausalLM",
                          dict(model_type="unigram", vocab_size=900, byte_fallback=False,
                               control_symbols=["<ctrl1>", "<ctrl2>"], user_defined_symbols=["<user>", "@@"]),
                          4,
                          {"add_bos_token": True, "add_eos_token": True, "bos_token": "<s>", "eos_token": "</s>",
                           "tokenizer_class": "LlamaTokenizer",
                           "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}",
                           "added_tokens_decoder": {"5": added("<user>", False), "n+2": added("\u2581\u2581x", False),
                                                    "n+3": added("<|im_end|>", False),
                                                    "n+7": added("<past_the_end>", True)}},
                          {"<extra_0>": "n+0", "<extra_1>": "n+1", "<too_far>": "n+9"}),
    # Gemma ids (<pad>=0 <eos>=1 <bos>=2 <unk>=3), BPE with byte fallback and turn markers.
    "gemma-spm": ("gemma", "GemmaForCausalLM",
                  dict(model_type="bpe", vocab_size=1220, byte_fallback=True, pad_id=0, eos_id=1, bos_id=2, unk_id=3,
                       pad_piece="<pad>", user_defined_symbols=["<start_of_turn>", "<end_of_turn>", "\u2581\u2581"]),
                  12,
                  {"add_bos_token": True, "add_eos_token": False, "bos_token": "<bos>", "eos_token": "<eos>",
                   "pad_token": "<pad>", "unk_token": "<unk>", "tokenizer_class": "GemmaTokenizer",
                   "added_tokens_decoder": {"0": added("<pad>", True), "1": added("<eos>", True),
                                            "2": added("<bos>", True), "3": added("<unk>", True),
                                            "4": added("<start_of_turn>", True), "5": added("<end_of_turn>", True),
                                            "6": added("\u2581\u2581", False), "n+1": added("<unused0>", False),
                                            "n+2": added("<tab>", False)}},
                  None),
    "gemma3-spm": ("gemma3_text", "Gemma3ForCausalLM",
                   dict(model_type="unigram", vocab_size=1150, byte_fallback=True, pad_id=0, eos_id=1, bos_id=2,
                        unk_id=3, pad_piece="<pad>", user_defined_symbols=["<start_of_turn>", "<end_of_turn>"]),
                   0,
                   {"add_bos_token": True, "add_eos_token": False, "bos_token": "<bos>", "eos_token": "<eos>",
                    "pad_token": "<pad>", "unk_token": "<unk>", "tokenizer_class": "GemmaTokenizer",
                    "added_tokens_decoder": {"0": added("<pad>", True), "1": added("<eos>", True),
                                             "2": added("<bos>", True), "3": added("<unk>", True),
                                             "4": added("<start_of_turn>", True), "5": added("<end_of_turn>", True)}},
                   None),
    # Phi-3 mini: Llama 2 style model, then special tokens appended past it; vocab_size pads further.
    "phi3-spm": ("phi3", "Phi3ForCausalLM",
                 dict(model_type="bpe", vocab_size=1200, byte_fallback=True),
                 8,
                 {"add_bos_token": False, "add_eos_token": False, "bos_token": "<s>", "eos_token": "<|endoftext|>",
                  "pad_token": "<|endoftext|>", "unk_token": "<unk>", "tokenizer_class": "LlamaTokenizer",
                  "added_tokens_decoder": {"0": added("<unk>", True), "1": added("<s>", True),
                                           "2": added("</s>", False), "n+0": added("<|endoftext|>", True),
                                           "n+1": added("<|assistant|>", True), "n+2": added("<|user|>", True),
                                           "n+3": added("<|end|>", True), "n+4": added("<|placeholder1|>", True)}},
                 None),
}


GENERATION_CONFIG = {"bos_token_id": 1, "eos_token_id": 2, "do_sample": True, "temperature": 0.6, "top_p": 0.9,
                     "top_k": 40, "repetition_penalty": 1.1, "min_p": None, "max_length": 4096}


def config_for(model_type, cls, vocab_size):
    c = {"architectures": [cls], "model_type": model_type, "hidden_size": HIDDEN, "intermediate_size": FFN,
         "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "num_hidden_layers": LAYERS,
         "head_dim": HEAD_DIM, "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
         "vocab_size": vocab_size, "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2}
    if model_type.startswith("gemma"):
        c.update({"hidden_activation": "gelu_pytorch_tanh", "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0})
    if model_type == "gemma3_text":
        c.update({"sliding_window": 64, "query_pre_attn_scalar": 8, "rope_local_base_freq": 10000.0,
                  "final_logit_softcapping": None, "attn_logit_softcapping": None})
    if model_type == "phi3":
        del c["head_dim"]
        c.update({"hidden_act": "silu", "eos_token_id": 400, "pad_token_id": 400, "original_max_position_embeddings": 256,
                  "rope_scaling": None, "sliding_window": 256, "tie_word_embeddings": False})
    if model_type == "llama":
        c.update({"hidden_act": "silu", "tie_word_embeddings": False})
    return c


def resolve(value, n):
    """"n+<k>" (a key or value) is the id k past the model's last piece."""
    if isinstance(value, str) and value.startswith("n+"):
        return n + int(value[2:])
    return value


def write_fuzz_corpus():
    """Small seeds for fuzz/sentencepiece_fuzz.cpp: a hand-built model touching every field the reader
    knows (and one it skips), and the first pieces of a trained one."""
    out = ROOT / "fuzz" / "corpus" / "sentencepiece"
    out.mkdir(parents=True, exist_ok=True)
    m = model_pb2.ModelProto()
    for text, score, typ in [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("<0x41>", 0.0, 6), ("<u>", 0.0, 4),
                             ("\u2581a", -1.5, 1), ("b", -2.0, 5)]:
        p = m.pieces.add()
        p.piece, p.score, p.type = text, score, typ
    m.trainer_spec.model_type = 2
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.pad_id = -1
    m.trainer_spec.vocab_size = 6
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.precompiled_charsmap = b"\x00\x01\x02"
    m.normalizer_spec.add_dummy_prefix = False
    m.denormalizer_spec.name = "skipped"
    (out / "all_fields").write_bytes(m.SerializeToString())
    trained = model_pb2.ModelProto()
    trained.ParseFromString((OUT / "llama-spm-unigram" / "tokenizer.model").read_bytes())
    del trained.pieces[24:]
    (out / "unigram_head").write_bytes(trained.SerializeToString())


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        for case, (model_type, cls, trainer, extra_rows, tok_config, added_tokens) in CASES.items():
            folder = OUT / case
            folder.mkdir(parents=True)
            prefix = Path(tmp) / case
            spm.SentencePieceTrainer.train(input=str(CORPUS), model_prefix=str(prefix), num_threads=1,
                                           character_coverage=0.98, input_sentence_size=0, minloglevel=2,
                                           hard_vocab_limit=False, normalization_rule_name="identity",
                                           remove_extra_whitespaces=False,
                                           **trainer)
            # The trainer records the corpus path and the temporary model prefix: cleared so the
            # committed file does not depend on the machine or the run.
            proto = model_pb2.ModelProto()
            proto.ParseFromString(Path(f"{prefix}.model").read_bytes())
            del proto.trainer_spec.input[:]
            proto.trainer_spec.model_prefix = ""
            (folder / "tokenizer.model").write_bytes(proto.SerializeToString())
            n = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model")).get_piece_size()
            tok_config = dict(tok_config)
            if "added_tokens_decoder" in tok_config:
                tok_config["added_tokens_decoder"] = {str(resolve(k, n)): v
                                                      for k, v in tok_config["added_tokens_decoder"].items()}
            if added_tokens:
                added_tokens = {k: resolve(v, n) for k, v in added_tokens.items()}
            config = config_for(model_type, cls, n + extra_rows)
            for key in ("eos_token_id", "pad_token_id"):
                if model_type == "phi3":
                    config[key] = n
            (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n",
                                                encoding="utf-8")
            (folder / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n",
                                                          encoding="utf-8")
            if case == "llama-spm-bpe":  # general.sampling.* (gguf-py's Metadata.load)
                (folder / "generation_config.json").write_text(json.dumps(GENERATION_CONFIG, indent=2) + "\n",
                                                               encoding="utf-8")
            if added_tokens:
                (folder / "added_tokens.json").write_text(json.dumps(added_tokens, indent=2) + "\n", encoding="utf-8")
            print(case, n, "pieces,", (folder / "tokenizer.model").stat().st_size, "bytes")
    write_fuzz_corpus()


if __name__ == "__main__":
    main()
