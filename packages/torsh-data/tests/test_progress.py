"""progress(): a tqdm bar over a DataLoader, its total taken from len(loader)."""

import io

import torsh_tensor as tt
from torsh_data import DataLoader, IterableDataset, TensorDataset, progress


def test_progress_wraps_a_loader_with_its_length():
    out = io.StringIO()
    loader = DataLoader(TensorDataset(tt.arange(10)), batch_size=4)
    bar = progress(loader, desc="epoch 1", file=out, mininterval=0)
    assert bar.total == 3
    seen = []
    for (batch,) in bar:
        seen += batch.tolist()
        bar.set_postfix(loss=0.5)
    assert seen == list(range(10))
    text = out.getvalue()
    assert "epoch 1" in text and "3/3" in text and "batch" in text and "loss=0.5" in text


def test_progress_without_a_length():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    out = io.StringIO()
    bar = progress(DataLoader(Stream()), file=out, mininterval=0)
    assert bar.total is None
    assert len(list(bar)) == 3
    assert "3batch" in out.getvalue().replace(" ", "")
