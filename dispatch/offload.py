"""Re-planning work handed to another process: the optimiser there needs only the task and
a travel-time matrix of its points (no street network), and this module imports nothing
heavier than the optimiser itself."""

from __future__ import annotations

import numpy as np

from dispatch.insertion import Replanning
from dispatch.model import Point, Solution
from dispatch.solver import problem_points, solve
from dispatch.travel import MatrixTravel, TravelTimes


def matrix_for(job: Replanning, travel: TravelTimes
               ) -> tuple[list[Point], np.ndarray, np.ndarray]:
    """The points the optimiser will ask about and their (durations, distances) matrices."""
    points = problem_points(job.problem)
    durations, distances = travel.matrix(points, points)
    return points, durations, distances


def solve_on_matrix(job: Replanning, points: list[Point], durations: np.ndarray,
                    distances: np.ndarray) -> Solution:
    """Run the optimiser on a task with a precomputed matrix (the child's work)."""
    return solve(job.problem, MatrixTravel(points, durations, distances), job.params,
                 warm_start=job.warm)
