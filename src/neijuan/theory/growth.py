"""Production closed forms: Acemoglu-Restrepo's task model and output on fixed land."""

from __future__ import annotations

import math


def ar_wage(output: float, labour: float, labour_share_of_tasks: float, sigma: float) -> float:
    """Acemoglu & Restrepo (2018, 2019): with tasks combined at elasticity sigma and labour doing
    a share Gamma of them, the wage is the marginal product W = (Y / L * Gamma)^(1 / sigma)
    (labour-augmenting productivity normalised to 1)."""
    if output <= 0 or labour <= 0 or not (0 < labour_share_of_tasks <= 1) or sigma <= 0:
        raise ValueError("need output > 0, labour > 0, 0 < Gamma <= 1, sigma > 0")
    return (output / labour * labour_share_of_tasks) ** (1.0 / sigma)


def ar_decomposition(
    output0: float, labour0: float, gamma0: float,
    output1: float, labour1: float, displaced: float, reinstated: float, sigma: float,
) -> dict[str, float]:
    """Log wage change split into Acemoglu-Restrepo's effects (their JEP 2019 decomposition):
    productivity (1/sigma) dln(Y/L); displacement (1/sigma) ln(1 - displaced/Gamma0), tasks
    taken from labour by automation; reinstatement (1/sigma) ln(1 + reinstated / (Gamma0 -
    displaced)), new tasks given to labour. Gamma1 = Gamma0 - displaced + reinstated; the three
    parts add up to ln(W1 / W0) exactly."""
    gamma1 = gamma0 - displaced + reinstated
    if not (0 < gamma1 <= 1) or not (0 <= displaced < gamma0):
        raise ValueError("need 0 <= displaced < Gamma0 and 0 < Gamma1 <= 1")
    productivity = math.log((output1 / labour1) / (output0 / labour0)) / sigma
    displacement = math.log((gamma0 - displaced) / gamma0) / sigma
    reinstatement = math.log(gamma1 / (gamma0 - displaced)) / sigma
    total = math.log(ar_wage(output1, labour1, gamma1, sigma) / ar_wage(output0, labour0, gamma0,
                                                                        sigma))
    return {"productivity": productivity, "displacement": displacement,
            "reinstatement": reinstatement, "total": total}


def land_output(tfp: float, land: float, labour: float, land_share: float) -> float:
    """Output on a fixed factor: Y = A T^alpha L^(1 - alpha) (Geertz's and Huang's involution:
    total output rises with L, output per worker falls)."""
    if min(tfp, land, labour) < 0 or not (0 <= land_share < 1):
        raise ValueError("need non-negative inputs and 0 <= alpha < 1")
    return tfp * land**land_share * labour ** (1.0 - land_share)


def land_marginal_product(tfp: float, land: float, labour: float, land_share: float) -> float:
    """dY/dL = (1 - alpha) Y / L: falls as labour grows on fixed land."""
    if labour <= 0:
        raise ValueError("labour must be positive")
    return (1.0 - land_share) * land_output(tfp, land, labour, land_share) / labour
