namespace MonoBiomech.Commands;
