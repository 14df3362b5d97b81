"""Every plain-words sentence the step-through shows a learner, in one place for review.

Our own words. The calculation panel shows these below the numbers of the neuron or edge in
focus; keys name the stage, the activation, the loss or the optimizer they explain. Words in
{braces} are filled in with the step's own names and numbers. The formula lines themselves are
built in walkthrough.py and carry only short labels ("into z of h1.1", "apart from L").
"""

STAGE_TITLES = {
    "input": "1 · Inputs",
    "forward": "2 · Forward: {layer}{neuron}",
    "loss": "3 · Loss",
    "backward": "4 · Backward: {layer}",
    "update": "5 · Update",
}

EXPLAIN = {
    "input": (
        "The sample's feature values are placed on the input neurons. Nothing is computed yet: "
        "the inputs simply hold the numbers that describe this one example."
    ),
    "input_asked": (
        "The values you asked about are placed on the input neurons. They are no training "
        "sample: there is no target to compare the answer with, so this walk is the forward "
        "pass alone, ending with the network's answer. No loss, no backward pass, no update: "
        "the network stays exactly as it was."
    ),
    "input_formula": (
        "This input is a formula of your own, made from the raw inputs: the sample's values "
        "are put into it, and the result is what the input neuron holds. The network learns "
        "with it like any other input; it cannot change the formula, only its weights."
    ),
    "no_target": (
        "This input has no target, so the walk ends here: without a target there is no loss "
        "to measure, nothing to send back, and no weight changes."
    ),
    "forward": (
        "Each neuron multiplies every incoming value by the weight of its edge, adds them up "
        "together with its bias, and gets z. Then it passes z through its activation function "
        "to get its output a, which travels on to the next layer."
    ),
    "forward_edge": (
        "An edge carries the value of the neuron on its left into the sum z of the neuron on "
        "its right, multiplied by its weight: w × x is this edge's part of that sum. A large "
        "weight makes that input matter a lot; a negative weight pushes the sum down. A weight "
        "is named by the edge it sits on: w(X1 → h1.1) runs from input X1 to neuron 1 of "
        "hidden layer 1. Tutorials often gather all the weights between two layers into one "
        "table (a matrix): W1 from the inputs to the first hidden layer, W2 from there to the "
        "next, and so on. w(X1 → h1.1) is one number of W1."
    ),
    "error_loss_delta": (
        "Three words for how wrong the network was. The error of an output is the gap between "
        "prediction and target. The loss L is one number made from all the outputs' errors by "
        "the formula above; training makes it smaller. δ, worked out in the backward pass, is "
        "how fast L changes when a neuron's z changes."
    ),
    "penalty_apart": (
        "The L above is the data loss alone, the number the trace reports as the loss. The "
        "{kind} penalty is kept apart from it: training lowers L and the penalty together, and "
        "the backward stage shows the penalty's share added to each weight's gradient."
    ),
    "delta_output_fused": (
        "δ says how much the loss would change if this neuron's z moved a little. With a "
        "sigmoid output and binary cross-entropy, or softmax and cross-entropy, the calculus "
        "simplifies to prediction minus target, divided by what the loss averages over. Many "
        "tutorials write the error as target − prediction; δ = ŷ − y has the opposite sign "
        "because it is the slope of the loss: when the output is too low, δ is negative, "
        "and the update, which moves against the slope, raises it. Both ways lead to the same "
        "step."
    ),
    "delta_output": (
        "δ says how much the loss would change if this neuron's z moved a little: the slope of "
        "the loss with respect to the prediction, times the slope of the activation at z. It "
        "has the sign of ŷ − y, the opposite of the error target − prediction that many "
        "tutorials use: a negative δ means the output was too low."
    ),
    "dropout_kept": (
        "Dropout is on in this layer (p = {p}): in each training step every neuron is switched "
        "off with probability p, by a fresh random mask m. This one was kept (m = 1), so its "
        "output is multiplied by 1/(1 − p) = {scale}, which keeps the layer's average output "
        "what it is without dropout. Evaluation, the pictures and predictions use every neuron "
        "and no factor."
    ),
    "dropout_dropped": (
        "Dropout is on in this layer (p = {p}): in each training step every neuron is switched "
        "off with probability p, by a fresh random mask m. In this step this neuron was dropped "
        "(m = 0): it passes on 0, whatever its a, and gets no blame back, so its weights are "
        "not changed by this sample. The next step draws a new mask."
    ),
    "delta_dropout": (
        "With dropout the blame is also multiplied by this step's m/(1 − p): 1/(1 − p) for a "
        "kept neuron, 0 for a dropped one."
    ),
    "delta_hidden": (
        "A hidden neuron has no target of its own. Its share of the blame is collected from "
        "the layer to its right: each δ there, weighted by the edge that connects them, summed, "
        "and then scaled by the slope of this neuron's activation at its z. Where that slope is "
        "0 (ReLU below zero), no blame gets through."
    ),
    "gradient": (
        "The gradient of a weight is the δ of the neuron the edge enters times the value that "
        "flowed along the edge. An edge that carried a large value, into a neuron with a large "
        "δ, gets a large gradient: it is most responsible for the error."
    ),
    "batch": (
        "In a mini-batch every sample gives its own gradient; the step uses their mean, which "
        "is steadier than any one of them."
    ),
    "batch_delta": (
        "In a mini-batch of {n} the loss is the mean of the {n} samples' losses, so every δ on "
        "this panel and on the canvas is 1/{n} of what this sample alone would give. Each "
        "sample's own ∂L/∂b, listed below it, is its own δ, {n} times the δ shown; the batch's "
        "∂L/∂b is their mean, which is the same as the sum of the batch's δ."
    ),
    "frozen": (
        "This parameter is frozen: training computes its gradient but does not change it, so "
        "it stays locked at its value."
    ),
    "undone": (
        "This step was undone: it made the loss or a weight too large for the computer to hold "
        "(infinite, or not a number), so every weight and bias keeps the value it had before "
        "the step. The usual cause is a learning rate that is too large: each step overshoots "
        "by more than the last."
    ),
    "steps": (
        "One update of every weight, from one batch, is one step; tutorials often call it an "
        "iteration. An epoch is as many steps as it takes to use every training sample once: "
        "with 100 samples in batches of 10, one epoch is 10 steps."
    ),
}

# The input stage of scaled data: how a raw value became the number the network takes in.
EXPLAIN_SCALING = {
    "scaled": (
        "Before the network sees the data, each raw value is scaled: scaled = (raw − center) "
        "/ scale. The center and scale were measured once on the training data (the mean and "
        "standard deviation for standardize, the midpoint and half the range for min_max) and "
        "every input, training, test or asked, is scaled with the same two numbers, so that "
        "columns in very different units reach the network on a similar scale."
    ),
    "none": "{name} is not scaled: its raw value goes in as it is",
}

EXPLAIN_ACTIVATION = {
    "linear": "The linear activation passes z through unchanged.",
    "relu": "ReLU keeps a positive z and turns a negative one into 0.",
    "leaky_relu": (
        "Leaky ReLU keeps a positive z and multiplies a negative one by a small slope, so the "
        "neuron never goes completely silent."
    ),
    "sigmoid": "The sigmoid squeezes any z into the range 0 to 1.",
    "tanh": "tanh squeezes any z into the range −1 to 1.",
    "softmax": (
        "Softmax turns the output layer's z values into probabilities: each e^z divided by the "
        "sum Σ over all classes, so the outputs add up to 1."
    ),
    "elu": (
        "ELU keeps a positive z and turns a negative one into e^z − 1, a smooth curve that "
        "levels off at −1, so a neuron below 0 still passes a little on."
    ),
    "gelu": (
        "GELU multiplies z by Φ(z), the chance that a standard normal number is below z: a "
        "large positive z passes almost unchanged, a large negative one becomes almost 0, and "
        "in between the curve dips a little below 0."
    ),
    "silu": (
        "SiLU (also called Swish) multiplies z by its own sigmoid σ(z): close to z for large "
        "positive z, close to 0 for large negative z, smooth everywhere."
    ),
    "softplus": (
        "Softplus is a smooth ReLU: ln(1 + e^z) is always above 0, near z for large z and near "
        "0 for very negative z. Above z = 20 it is z itself (the two differ by less than "
        "a billionth there)."
    ),
}

# Added for an output neuron only: in a hidden layer a sigmoid's number is no probability.
EXPLAIN_OUTPUT_ACTIVATION = {
    "sigmoid": "On the output neuron that number reads as a probability: how sure the "
    "network is that the answer is 1.",
}

# How the output becomes an answer, as the accuracy counts it.
DECISION = {
    "above": "answer: ŷ = {a} > 0.5, so 1",
    "not above": "answer: ŷ = {a} ≤ 0.5, so 0",
    "largest": "answer: class {k}, the largest output ({who}, ŷ = {a})",
}

EXPLAIN_DECISION = {
    "one output": (
        "To give an answer, the network compares its output with the threshold 0.5: above it "
        "the answer is 1, otherwise 0. The loss uses the number itself, so a right answer "
        "given with little confidence still costs something."
    ),
    "several outputs": (
        "To give an answer, the network picks the class whose output is largest (argmax). The "
        "loss uses the numbers themselves, so a right answer given with little confidence "
        "still costs something."
    ),
}

# How each activation's slope at z comes about, after its value; {a} is the neuron's output.
SLOPE_RULES = {
    "linear": "a = z: slope 1 everywhere",
    "relu": "1 where z > 0, else 0",
    "leaky_relu": "1 where z > 0, else {leak}",
    "sigmoid": "a · (1 − a) = {a} × (1 − {a})",
    "tanh": "1 − a² = 1 − {a}²",
    "elu": "1 where z > 0, else e^z = a + 1 = {a} + 1",
    "gelu": "Φ(z) + z · φ(z), φ(z) = e^(−z²/2) / √(2π)",
    "silu": "σ(z) · (1 + z · (1 − σ(z)))",
    "softplus": "σ(z) = e^z / (e^z + 1), 1 above z = 20",
}

EXPLAIN_LOSS = {
    "bce": (
        "Binary cross-entropy measures how surprised the network is by the true answer: near 0 "
        "when it gave the right class a probability near 1, large when it was confidently wrong. "
        "With several outputs it is the mean over the K outputs, hence the 1/K."
    ),
    "cross_entropy": (
        "Cross-entropy looks only at the probability given to the true class: minus its "
        "logarithm. A confident right answer costs almost nothing, a confident wrong one a lot."
    ),
    "mse": (
        "Mean squared error averages the squared differences between prediction and target "
        "over the K outputs, so large misses count far more than small ones."
    ),
    "half_sse": (
        "Half the sum of squared errors: the ½ makes its slope simply prediction minus target."
    ),
}

EXPLAIN_PENALTY = {
    "l2": (
        "L2 regularization adds rate × w to every weight's gradient, so each step also shrinks "
        "the weight a little towards 0."
    ),
    "l1": (
        "L1 regularization adds rate × sign(w) to every weight's gradient, pulling each weight "
        "towards 0 by a fixed amount per step."
    ),
}

EXPLAIN_OPTIMIZER = {
    "sgd": (
        "Gradient descent moves the parameter a small step against its gradient: the learning "
        "rate η sets the step's size. Against the gradient is the direction in which the loss "
        "falls."
    ),
    "momentum": (
        "Momentum keeps a running velocity v per parameter, 0 before the first step. Each step "
        "v becomes μ times its old value plus the new gradient, and the parameter moves by "
        "η · v. Steps grow along directions where the gradient keeps pointing the same way and "
        "cancel out where it keeps flipping."
    ),
    "adam": (
        "Adam keeps two running averages per parameter, both 0 before the first step: m of the "
        "gradient and v of its square. Starting at 0 makes them too small at first, so m̂ and "
        "v̂ divide by 1 − β^t to make up for it. The step is η · m̂ / (√v̂ + ε). At the first "
        "step, and while the gradient stays about the same from step to step, m̂ / √v̂ is "
        "close to 1 in size and the parameter moves by about η. When the gradient changes "
        "sign or size, m̂ averages the changes away while √v̂ still remembers the large values, "
        "and the step is smaller than η; a gradient much larger than the recent ones can make "
        "it larger than η. The line step / η shows this step as a multiple of η."
    ),
    "adamw": (
        "AdamW takes Adam's step (running averages m of the gradient and v of its square, "
        "corrected by 1 − β^t, step η · m̂ / (√v̂ + ε)) and adds a weight decay of its own: each "
        "step every weight also shrinks by η · λ times itself, apart from the gradient, so the "
        "decay is not scaled down by √v̂ as an L2 penalty in the gradient would be. Biases do "
        "not decay."
    ),
    "rmsprop": (
        "RMSprop keeps a running average s of the squared gradient per parameter, 0 before the "
        "first step: each step s becomes α times its old value plus (1 − α) times g². The step "
        "is η · g / (√s + ε): a parameter whose gradients have been large takes smaller steps, "
        "one whose gradients have been small takes larger ones."
    ),
    "rmsprop_momentum": (
        "RMSprop keeps a running average s of the squared gradient per parameter, 0 before the "
        "first step: each step s becomes α times its old value plus (1 − α) times g². With "
        "momentum μ it also keeps a buffer b, 0 at first, of the scaled gradients "
        "g / (√s + ε): b becomes μ · b plus the new one, and the parameter moves by η · b."
    ),
}

# Said under the update when the rate follows a schedule; {rate} and {schedule} filled in.
EXPLAIN_SCHEDULE = (
    "The learning rate follows a schedule ({schedule}): this epoch it is η = {rate}. It changes "
    "only at the end of an epoch."
)
