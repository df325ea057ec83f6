"""A tiny causal transformer language model (TransformerEncoder with a causal mask) on a bundled text.

    python examples/tiny_transformer.py
"""

import math
import time

import torsh as torch
import torsh.nn as nn
import torsh.nn.functional as F

TEXT = (
    "once upon a time there was a little model that learned to read. "
    "it read the same story again and again until it knew every word. "
    "then it wrote the story back, one letter at a time. "
) * 10


class TinyLM(nn.Module):
    def __init__(self, vocab, d_model=64, heads=4, layers=2, context=48):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.randn(context, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model, dropout=0.0,
                                           batch_first=True, norm_first=True, activation="gelu")
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, vocab)
        self.d_model = d_model

    def forward(self, x):
        t = x.shape[1]
        h = self.embed(x) * math.sqrt(self.d_model) + self.pos[:t]
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        return self.out(self.norm(self.blocks(h, mask=mask, is_causal=True)))


def main(steps=500, seq=32, batch=16, seed=0):
    torch.manual_seed(seed)
    chars = sorted(set(TEXT))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in TEXT])
    model = TinyLM(len(chars), context=seq)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    start = time.perf_counter()
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq - 1, (batch,))
        chunk = data[starts.unsqueeze(1) + torch.arange(seq + 1)]
        logits = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            print(f"step {step:4d}  loss {loss.item():.3f}")
    print(f"final loss {loss.item():.3f} in {time.perf_counter() - start:.1f} s")
    return loss.item()


if __name__ == "__main__":
    main()
