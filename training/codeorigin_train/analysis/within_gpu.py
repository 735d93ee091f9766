"""Within-repository ranking of a transformer trained from scratch on the agentic corpus, on a GPU,
against the character 1-4-gram logistic regression on the same rows (issue 60 research).

usage: within_gpu.py ROWS.parquet TOKENIZER.json OUT.json [--quick]
ROWS: the agentic corpus of both folders (`codeorigin-train agentic`, columns code, label, repo,
agent, language, split); the split is drawn per repository, so test repositories are unseen.
"""
import hashlib, json, math, sys, time
import numpy as np, pandas as pd, torch, torch.nn as nn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from tokenizers import Tokenizer

rows_path, tok_path, out_path = sys.argv[1:4]
QUICK = "--quick" in sys.argv
dev = "cuda" if torch.cuda.is_available() else "cpu"
d = pd.read_parquet(rows_path, columns=["code", "label", "repo", "agent", "language", "split"])
if QUICK:
    d = d.sample(n=3000, random_state=1).reset_index(drop=True)
tok = Tokenizer.from_file(tok_path)
MAXLEN = 512
t0 = time.time()
enc = tok.encode_batch(list(d.code))
ids = np.zeros((len(d), MAXLEN), dtype=np.int64)
for i, e in enumerate(enc):
    x = e.ids[:MAXLEN]
    ids[i, : len(x)] = x
lens = (ids != 0).sum(1)
print(f"tokenized {len(d)} rows in {time.time()-t0:.0f}s, median length {np.median(lens):.0f}", flush=True)
V = tok.get_vocab_size()
y = d.label.to_numpy().astype(np.float32)
split = d.split.to_numpy()
tr, va, te = (np.flatnonzero(split == s) for s in ("train", "val", "test"))

# each repository's two labels weigh alike (rows of a label in a repository share its weight)
def repo_weights(idx):
    g = d.iloc[idx].groupby(["repo", "label"]).size()
    w = np.array([1.0 / g[(r, l)] for r, l in zip(d.repo.iloc[idx], d.label.iloc[idx])])
    return w / w.mean()


class Encoder(nn.Module):
    def __init__(self, layers, dim, heads):
        super().__init__()
        self.emb = nn.Embedding(V, dim, padding_idx=0)
        self.pos = nn.Embedding(MAXLEN, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, 0.1, batch_first=True, norm_first=True, activation="gelu")
        self.enc = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(dim)
        # the design's head: Dropout 0.3, Dense 256 ReLU, Dropout 0.2, Dense 1
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(dim, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 1))

    def forward(self, x):
        mask = x != 0
        h = self.emb(x) + self.pos(torch.arange(x.shape[1], device=x.device))[None]
        h = self.norm(self.enc(h, src_key_padding_mask=~mask))
        m = mask.unsqueeze(-1).to(h.dtype)
        return self.head((h * m).sum(1) / m.sum(1).clamp(min=1)).squeeze(-1)


def predict(model, idx, bs=256):
    model.eval(); out = []
    with torch.no_grad(), torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
        for i in range(0, len(idx), bs):
            b = idx[i : i + bs]
            L = int(lens[b].max()) or 1
            out.append(model(torch.from_numpy(ids[b, :L]).to(dev)).float().cpu().numpy())
    return np.concatenate(out)


def train(layers, dim, heads, epochs, balanced, lr=3e-4, bs=64, seed=13):
    torch.manual_seed(seed); rng = np.random.default_rng(seed)
    model = Encoder(layers, dim, heads).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(tr) / bs); warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm) * max(0.0, 0.5 * (1 + math.cos(math.pi * s / steps))))
    w_all = repo_weights(tr) if balanced else np.where(y[tr] == 1, 0.5 / y[tr].mean(), 0.5 / (1 - y[tr].mean()))
    best, best_state, t = -1, None, time.time()
    for ep in range(epochs):
        model.train()
        order = rng.permutation(len(tr))
        for i in range(0, len(order), bs):
            o = order[i : i + bs]; b = tr[o]
            L = int(lens[b].max()) or 1
            xb = torch.from_numpy(ids[b, :L]).to(dev)
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
                logit = model(xb).float()
            loss = (nn.functional.binary_cross_entropy_with_logits(logit, torch.from_numpy(y[b]).to(dev), reduction="none") * torch.from_numpy(w_all[o]).float().to(dev)).mean()
            opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); sched.step()
        v = roc_auc_score(y[va], predict(model, va))
        print(f"  epoch {ep+1}: val AUROC {v:.4f} ({time.time()-t:.0f}s)", flush=True)
        if v > best:
            best, best_state = v, {k: x.detach().clone() for k, x in model.state_dict().items()}
    model.load_state_dict(best_state)
    return model, best, time.time() - t


def within(scores):
    """Per test repository with 30+ people and 5+ agents' functions: AUROC, and the recall at the
    highest person of one half of its people (split by a hash), with the other half's FPR."""
    t = d.iloc[te].assign(s=scores)
    per, per_agent = [], {}
    for repo, g in t.groupby("repo"):
        h, a = g[g.label == 0], g[g.label == 1]
        if len(h) < (3 if QUICK else 30) or len(a) < (2 if QUICK else 5):
            continue
        auc = roc_auc_score(g.label, g.s)
        half = np.array([int(hashlib.sha1(c.encode()).hexdigest(), 16) % 2 for c in h.code])
        if half.sum() == 0 or half.sum() == len(half):
            continue
        thr = h.s[half == 0].max()
        per.append({"repo": repo, "auroc": auc, "recall": float((a.s > thr).mean()), "fpr": float((h.s[half == 1] > thr).mean()), "people": len(h), "agents": len(a)})
        for ag, ga in a.groupby("agent"):
            if len(ga) >= 5:
                per_agent.setdefault(ag, []).append(roc_auc_score(np.r_[np.zeros(len(h)), np.ones(len(ga))], np.r_[h.s, ga.s]))
    p = pd.DataFrame(per)
    return {"repositories": len(p), "median_auroc": float(p.auroc.median()), "q1": float(p.auroc.quantile(0.25)), "q3": float(p.auroc.quantile(0.75)),
            "median_recall_at_half": float(p.recall.median()), "mean_recall_at_half": float(p.recall.mean()), "median_fpr_other_half": float(p.fpr.median()),
            "pooled_test_auroc": float(roc_auc_score(y[te], scores)),
            "per_agent_median": {k: [len(v), float(np.median(v))] for k, v in sorted(per_agent.items())},
            "per_repo": p.round(4).to_dict("records")}


results = {"device": torch.cuda.get_device_name() if dev == "cuda" else "cpu", "rows": {"train": len(tr), "val": len(va), "test": len(te)}}
t = time.time()
vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), max_features=300000, sublinear_tf=True, dtype=np.float32)
Xtr = vec.fit_transform(d.code.iloc[tr]); Xte = vec.transform(d.code.iloc[te])
lr = LogisticRegression(C=1.0, max_iter=2000).fit(Xtr, y[tr])
results["char-ngram"] = within(lr.decision_function(Xte)) | {"seconds": time.time() - t}
print("char-ngram", {k: v for k, v in results["char-ngram"].items() if k != "per_repo"}, flush=True)
json.dump(results, open(out_path, "w"), indent=1)
arms = [("L4-d256", 4, 256, 4, False), ("L6-d512", 6, 512, 8, False), ("L6-d512-rb", 6, 512, 8, True)]
if QUICK:
    arms = [("quick", 1, 64, 2, False)]
for name, layers, dim, heads, balanced in arms:
    epochs = 1 if QUICK else 6
    print(name, flush=True)
    model, val, secs = train(layers, dim, heads, epochs, balanced)
    s = predict(model, te)
    results[name] = within(s) | {"val_auroc": val, "train_seconds": secs, "params": sum(p.numel() for p in model.parameters())}
    print(name, {k: v for k, v in results[name].items() if k != "per_repo"}, flush=True)
    json.dump(results, open(out_path, "w"), indent=1)
