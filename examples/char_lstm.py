"""A character-level LSTM language model on a short bundled text; prints a sample after training.

    python examples/char_lstm.py
"""

import time

import torsh as torch
import torsh.nn as nn
import torsh.nn.functional as F

TEXT = (
    "the quick brown fox jumps over the lazy dog. "
    "a journey of a thousand miles begins with a single step. "
    "all that glitters is not gold. "
    "to be or not to be, that is the question. "
) * 8


class CharLSTM(nn.Module):
    def __init__(self, vocab, hidden=96):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.lstm = nn.LSTM(32, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        h, state = self.lstm(self.embed(x), state)
        return self.out(h), state


def sample(model, stoi, itos, prefix="the ", n=60):
    model.eval()
    with torch.no_grad():
        x = torch.tensor([[stoi[c] for c in prefix]])
        logits, state = model(x)
        out = list(prefix)
        for _ in range(n):
            nxt = logits[0, -1].argmax().item()
            out.append(itos[nxt])
            logits, state = model(torch.tensor([[nxt]]), state)
    return "".join(out)


def main(steps=200, seq=32, batch=16, seed=0):
    torch.manual_seed(seed)
    chars = sorted(set(TEXT))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in TEXT])
    model = CharLSTM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    start = time.perf_counter()
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq - 1, (batch,))
        idx = starts.unsqueeze(1) + torch.arange(seq + 1)
        chunk = data[idx]
        logits, _ = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            print(f"step {step:4d}  loss {loss.item():.3f}")
    print(f"final loss {loss.item():.3f} in {time.perf_counter() - start:.1f} s")
    print("sample:", repr(sample(model, stoi, chars)))
    return loss.item()


if __name__ == "__main__":
    main()
