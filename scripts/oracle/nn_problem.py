"""The least-squares problem the optimizer oracles share (nn_oracle.py, nn_training_oracle.py):
f(W, b) = sum((W a_i + b - c_i)^2) over a fixed batch, from fixed W0, b0. Mirrored in
tests/nn/test_optim.cpp and tests/nn/test_adagrad.cpp."""
import torch

A = [[1.0, 2.0, -1.0], [0.5, -0.3, 0.8], [-1.5, 0.2, 0.4], [0.0, 1.0, 1.0]]
C = [[1.0, -1.0], [0.5, 0.2], [-0.3, 0.9], [2.0, 0.0]]
W0 = [[0.1, -0.2, 0.3], [0.4, 0.0, -0.1]]
B0 = [0.05, -0.05]


def trajectory(make, steps):
    """W and b (flattened) after each of `steps` steps of the optimizer make([W, b])."""
    a, c = torch.tensor(A), torch.tensor(C)
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = make([W, b])
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((a @ W.t() + b - c) ** 2).sum()
        loss.backward()
        opt.step()
        traj += W.detach().flatten().tolist() + b.detach().tolist()
    return traj
