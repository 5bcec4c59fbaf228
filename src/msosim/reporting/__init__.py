"""Reports: findings sentences, costs, decompositions and lever tables of a scenario comparison."""
